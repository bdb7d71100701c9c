"""Write metrics.json in both shapes knitgraph reads, and a symlinked one it must ignore."""

import json
import os
from pathlib import Path

flat, kfp, linked = Path("/out/flat"), Path("/out/kfp"), Path("/out/linked")
(flat / "metrics.json").write_text(json.dumps({"accuracy": 0.93, "loss": 0.21, "note": "text is left out",
                                               "bad": float("nan"), "flag": True}))
(kfp / "metrics.json").write_text(json.dumps({"metrics": [
    {"name": "roc-auc", "numberValue": 0.88, "format": "RAW"},
    {"name": "accuracy-score", "numberValue": 0.91, "format": "PERCENTAGE"},
]}))
(linked / "elsewhere.json").write_text(json.dumps({"secret": 1}))
os.symlink("elsewhere.json", linked / "metrics.json")
print("metrics written")
