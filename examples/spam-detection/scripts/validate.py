"""Validation: the model in --model on --dataset; accuracy, precision, recall and F1 to --save-to/metrics.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spam_model import SpamModel, metrics, read_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, default=Path("/in/dataset"), help="folder with dataset.csv")
    parser.add_argument("--model", type=Path, default=Path("/in/model"), help="folder of the model to validate")
    parser.add_argument("--save-to", type=Path, default=Path("/out/metrics"), help="folder to write metrics.json into")
    options = parser.parse_args()

    model = SpamModel.load(options.model)
    rows = read_dataset(options.dataset)
    result = metrics([label for label, _ in rows], model.predict([message for _, message in rows]))
    result["model"] = {"trainings": model.history, "messages_seen": int(model.messages.sum())}
    options.save_to.mkdir(parents=True, exist_ok=True)
    (options.save_to / "metrics.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"validated a model trained on {result['model']['messages_seen']} messages "
          f"({' + '.join(h['step'] for h in model.history)}) with {len(rows)} messages")
    for key in ("accuracy", "precision", "recall", "f1"):
        print(f"{key:>9}: {result[key]:.4f}")


if __name__ == "__main__":
    main()
