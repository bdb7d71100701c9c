"""Evaluate the model (--model, a model.npz) on --dataset; with --id N, show digit N and its prediction."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digits import DigitsModel, as_input, load_dataset


def show(image: np.ndarray) -> None:
    print("=== image ===")
    for row in image:
        print("".join("#" if pixel > 127 else " " for pixel in row).rstrip())
    print("=== ===== ===")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True, help="folder with images.gz and labels.gz")
    parser.add_argument("--model", type=Path, required=True, help="the model.npz that train.py saved")
    parser.add_argument("--id", type=int, help="show only this image and its prediction")
    options = parser.parse_args()

    images, labels = load_dataset(options.dataset)
    print(f"img shape {images.shape}")
    print(f"label shape {labels.shape}")
    model = DigitsModel.load(options.model)
    if options.id is not None:
        show(images[options.id])
        prediction = model.predict(as_input(images[options.id:options.id + 1]))
        print(f"Prediction: {prediction}, Ground Truth: {labels[options.id]}")
        return

    step = 50
    hits = 0
    for start in range(0, len(labels), step):
        predicted = model.predict(as_input(images[start:start + step]))
        hits += int((predicted == labels[start:start + step]).sum())
        done = min(start + step, len(labels))
        print(f"Accuracy (at {done} images): {hits / done}")
    print()
    print("=== Validation Result ===")
    print(f"Accuracy: {hits / len(labels)}")


if __name__ == "__main__":
    main()
