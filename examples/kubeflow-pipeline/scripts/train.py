"""Train a logistic regression on the features (seed 004's `train` step; plain numpy in place of a
TFJob). Parameters: train_steps, learning_rate.

    python train.py --features DIR --parameters DIR --model OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from taxi import load_features, parameters, sigmoid


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("features", "parameters", "model"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    params = parameters(args.parameters)
    x, y, meta = load_features(args.features)
    weights, bias = np.zeros(x.shape[1]), 0.0
    for step in range(params["train_steps"]):
        p = sigmoid(x @ weights + bias)
        weights -= params["learning_rate"] * (x.T @ (p - y) / len(y) + 1e-3 * weights)
        bias -= params["learning_rate"] * float(np.mean(p - y))
        if step % max(1, params["train_steps"] // 5) == 0:
            loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
            print(f"step {step}: loss {loss:.4f}", flush=True)
    p = sigmoid(x @ weights + bias)
    loss = float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
    out = Path(args.model)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "model.npz", weights=weights, bias=bias)
    (out / "model.json").write_text(json.dumps({"features": meta["names"], "variant": meta["variant"],
                                                "scaling": meta["scaling"],
                                                "train_steps": params["train_steps"],
                                                "learning_rate": params["learning_rate"]}, indent=2) + "\n")
    (out / "metrics.json").write_text(json.dumps({"train_loss": round(loss, 6)}) + "\n")
    print(f"trained: loss {loss:.4f} after {params['train_steps']} steps")


if __name__ == "__main__":
    main()
