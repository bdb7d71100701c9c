"""Train the digit classifier on --dataset (images.gz, labels.gz); save the best weights to --save-to.

As in the tutorial: the random seed is 0 (standard library and numpy), 5/6 of the training Data
(chosen at random) is used for training and the rest for validation after each epoch, mini-batches
of 64, 3 epochs, and the model is saved whenever the validation accuracy improves.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np

from digits import DigitsModel, as_input, cross_entropy, load_dataset

SEED = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True, help="folder with images.gz and labels.gz")
    parser.add_argument("--save-to", type=Path, required=True, help="folder to write model.npz into")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.04)
    options = parser.parse_args()

    random.seed(SEED)
    rng = np.random.default_rng(SEED)
    images, labels = load_dataset(options.dataset)
    print(f"data shape:{images.shape}, type: {images.dtype}")
    print(f"label shape:{labels.shape}, type: {labels.dtype}")
    order = rng.permutation(len(labels))
    cut = len(labels) * 5 // 6
    train_x, train_y = as_input(images[order[:cut]]), labels[order[:cut]]
    valid_x, valid_y = as_input(images[order[cut:]]), labels[order[cut:]]

    model = DigitsModel.initial(rng)
    velocity = {name: np.zeros_like(value) for name, value in model.params.items()}
    best = -1.0
    options.save_to.mkdir(parents=True, exist_ok=True)
    for epoch in range(1, options.epochs + 1):
        print(f"**TRAINING START** Epoch: #{epoch}")
        shuffled = rng.permutation(len(train_y))
        total_loss, hits, seen = 0.0, 0, 0
        for batch, start in enumerate(range(0, len(shuffled), options.batch_size)):
            picked = shuffled[start:start + options.batch_size]
            logits = model.forward(train_x[picked])
            loss, grad = cross_entropy(logits, train_y[picked])
            for name, g in model.backward(grad).items():  # SGD with momentum 0.9
                velocity[name] = 0.9 * velocity[name] - options.learning_rate * g
                model.params[name] += velocity[name]
            total_loss += loss
            hits += int((logits.argmax(axis=1) == train_y[picked]).sum())
            seen += len(picked)
            if batch % 5 == 0:
                print(f"Epoch: #{epoch}, Batch: #{batch} -- Loss: {loss}, Accuracy: {hits / seen}")
        print(f"**TRAINING RESULT** Epoch: #{epoch} -- total Loss: {total_loss}, Accuracy: {hits / seen}")

        print(f"**VALIDATION START** Epoch: #{epoch}")
        valid_loss = sum(cross_entropy(model.forward(valid_x[i:i + 256]), valid_y[i:i + 256])[0]
                         for i in range(0, len(valid_y), 256))
        accuracy = float((model.predict(valid_x) == valid_y).mean())
        print(f"**VALIDATION RESULT** Epoch: #{epoch} -- total Loss: {valid_loss}, Accuracy: {accuracy}")
        if accuracy > best:
            best = accuracy
            print(f"**SAVING MODEL** at Epoch: #{epoch}")
            model.save(options.save_to / "model.npz")


if __name__ == "__main__":
    main()
