"""Initial training: a new spam filter trained on --dataset, saved to --save-to."""

from __future__ import annotations

import argparse
from pathlib import Path

from spam_model import SpamModel, read_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=Path("/in/dataset"), help="folder with dataset.csv")
    parser.add_argument("--save-to", type=Path, default=Path("/out/model"), help="folder to write the model into")
    options = parser.parse_args()

    rows = read_dataset(options.dataset)
    spam = sum(1 for label, _ in rows if label == "spam")
    print(f"initial training on {len(rows)} messages ({spam} spam, {len(rows) - spam} ham)")
    model = SpamModel()
    model.train(rows, "initial-train")
    model.save(options.save_to)
    print(f"model saved to {options.save_to}: {sorted(p.name for p in options.save_to.iterdir())}")


if __name__ == "__main__":
    main()
