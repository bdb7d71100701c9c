"""Validate the model on the dataset; write /out/metrics/metrics.json (accuracy per class)."""

import csv
import json
import pathlib

model = json.loads(pathlib.Path("/in/model/model.json").read_text())
with open("/in/dataset/raw/flowers.csv") as source:
    rows = list(csv.DictReader(source))


def predict(row: dict[str, str]) -> str:
    values = [float(row[f]) for f in model["features"]]
    return min(model["centroids"], key=lambda k: sum((a - b) ** 2 for a, b in zip(model["centroids"][k], values, strict=True)))


hits = [predict(row) == row["label"] for row in rows]
metrics = {"accuracy": round(sum(hits) / len(hits), 4), "rows": len(rows)}
pathlib.Path("/out/metrics/metrics.json").write_text(json.dumps(metrics, indent=2))
print(f"accuracy {metrics['accuracy']:.4f} on {len(rows)} rows", flush=True)
