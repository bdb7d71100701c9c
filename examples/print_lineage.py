"""Print the upstream lineage of a Data as an indented tree, asking `knit` (until `knit data lineage`)."""

import json
import subprocess
import sys


def knit(*args: str) -> dict:
    return json.loads(subprocess.run(["knit", *args], check=True, capture_output=True, text=True).stdout)


def show(knit_id: str, depth: int) -> None:
    data = knit("data", "show", knit_id)
    pad = "    " * depth
    user_tags = [t for t in data["tags"] if not t.startswith("knit#")]
    print(f"{pad}data {knit_id}  [{', '.join(user_tags)}]")
    run = knit("run", "show", data["upstream"]["run"]["runId"])
    producer = run["plan"].get("image") or run["plan"].get("name")
    where = data["upstream"].get("mountpoint", {}).get("path", "(log)")
    print(f"{pad}  <-{where}-- run {run['runId'][:8]} {producer} ({run['status']})")
    for used in run["inputs"]:
        print(f"{pad}      <-{used['path']}--")
        show(used["knitId"], depth + 2)


show(sys.argv[1], 0)
