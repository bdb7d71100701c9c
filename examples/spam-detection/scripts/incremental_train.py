"""Incremental training: the model in --model, trained further on --dataset, saved to --save-to."""

from __future__ import annotations

import argparse
from pathlib import Path

from spam_model import SpamModel, read_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=Path("/in/dataset"), help="folder with dataset.csv")
    parser.add_argument("--model", type=Path, default=Path("/in/model"), help="folder of the model to update")
    parser.add_argument("--save-to", type=Path, default=Path("/out/model"), help="folder to write the updated model into")
    options = parser.parse_args()

    model = SpamModel.load(options.model)
    before = int(model.messages.sum())
    rows = read_dataset(options.dataset)
    spam = sum(1 for label, _ in rows if label == "spam")
    print(f"model trained so far on {before} messages: {[h['step'] for h in model.history]}")
    print(f"incremental training on {len(rows)} new messages ({spam} spam, {len(rows) - spam} ham)")
    model.train(rows, "incremental-train")
    model.save(options.save_to)
    print(f"updated model ({int(model.messages.sum())} messages) saved to {options.save_to}")


if __name__ == "__main__":
    main()
