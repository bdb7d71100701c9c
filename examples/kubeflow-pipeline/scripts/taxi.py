"""What the taxi pipeline's steps share: reading the trips, the parameters, and the feature files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

PAYMENTS = ("Credit Card", "Cash", "Mobile", "Prcard")


def parameters(folder: str) -> dict[str, Any]:
    """The pipeline run's parameters (knit pipeline run -p ...), as the first steps get them."""
    values: dict[str, Any] = json.loads((Path(folder) / "parameters.json").read_text())
    return values


def read_trips(folder: str) -> list[dict[str, str]]:
    with open(Path(folder) / "trips.csv", newline="") as file:
        return list(csv.DictReader(file))


def save_features(folder: str, x: np.ndarray, y: np.ndarray, names: list[str], meta: dict[str, Any]) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "features.npz", x=x, y=y)
    (out / "features.json").write_text(json.dumps({"names": names, **meta}, indent=2) + "\n")


def load_features(folder: str) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    data = np.load(Path(folder) / "features.npz")
    meta: dict[str, Any] = json.loads((Path(folder) / "features.json").read_text())
    return data["x"], data["y"], meta


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))
