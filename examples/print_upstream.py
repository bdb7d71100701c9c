"""Print a Data's upstream (from `knit data show` JSON on stdin) as a small text lineage."""

import json
import sys

data = json.load(sys.stdin)
run = data["upstream"]["run"]
producer = run["plan"].get("name") or run["plan"].get("image")
print(f"[{producer}] run {run['runId']} ({run['status']}, {run['updatedAt']})")
print(f"    --{data['upstream']['mountpoint']['path']}-->  data {data['knitId']}")
print("    tags: " + ", ".join(data["tags"]))
