"""Train a nearest-centroid classifier on /in/dataset/raw/flowers.csv; write /out/model/model.json."""

import csv
import json
import pathlib

with open("/in/dataset/raw/flowers.csv") as source:
    rows = list(csv.DictReader(source))
features = [name for name in rows[0] if name != "label"]
sums: dict[str, list[float]] = {}
counts: dict[str, int] = {}
for row in rows:
    total = sums.setdefault(row["label"], [0.0] * len(features))
    sums[row["label"]] = [t + float(row[f]) for t, f in zip(total, features, strict=True)]
    counts[row["label"]] = counts.get(row["label"], 0) + 1
model = {"features": features, "centroids": {k: [v / counts[k] for v in s] for k, s in sums.items()}}
pathlib.Path("/out/model/model.json").write_text(json.dumps(model, indent=2))
print(f"trained on {len(rows)} rows: {', '.join(f'{k} ({counts[k]})' for k in sorted(counts))}", flush=True)
