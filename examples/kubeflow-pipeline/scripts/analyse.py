"""Evaluate a model on the held-out trips, overall and sliced by pickup hour (seed 004's TFMA
`analyze` step). Writes metrics.json (knitgraph records it) and analysis.json (the slices).

    python analyse.py --model DIR --eval DIR --parameters DIR --analysis OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from taxi import load_features, parameters, sigmoid


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random big tipper scores above a random other trip."""
    order = np.argsort(score)
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    positives = y == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    predicted = p >= 0.5
    tp = float(np.sum(predicted & (y == 1)))
    precision = tp / max(1.0, float(predicted.sum()))
    recall = tp / max(1.0, float((y == 1).sum()))
    return {
        "accuracy": round(float(np.mean(predicted == (y == 1))), 6),
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(2 * precision * recall / max(1e-12, precision + recall), 6),
        "auc": round(auc(y, p), 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("model", "eval", "parameters", "analysis"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    params = parameters(args.parameters)
    if params["tfma_mode"] != "local":
        raise SystemExit(f"tfma_mode={params['tfma_mode']}: only 'local' runs here")
    model = np.load(Path(args.model) / "model.npz")
    x, y, meta = load_features(args.eval)
    p = sigmoid(x @ model["weights"] + float(model["bias"]))
    overall = scores(y, p)
    hours = np.array(meta["pickup_hour"])
    slices = {f"{start:02d}-{start + 5:02d}h": scores(y[(hours >= start) & (hours < start + 6)],
                                                      p[(hours >= start) & (hours < start + 6)])
              for start in range(0, 24, 6)}
    out = Path(args.analysis)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(overall, indent=2) + "\n")
    (out / "analysis.json").write_text(json.dumps({"overall": overall, "by_pickup_hour": slices}, indent=2) + "\n")
    print(json.dumps(overall))


if __name__ == "__main__":
    main()
