#!/usr/bin/env bash
# `make demo`: start knitgraph (embedded Neo4j + API server), push a dataset, tag it, find it,
# pull it back, and print where it came from. Until the example pipelines land, this is the
# Data half of the tutorials.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

say "knitgraph up  (first run fetches Neo4j from Maven Central)"
knitgraph up

say "knit data push -t project:demo -t type:dataset examples/demo-data"
knit data push -t project:demo -t type:dataset "$here/demo-data" > "$work/pushed.json"
knit_id="$(field "['knitId']" < "$work/pushed.json")"
echo "pushed as knit#id:$knit_id"

say "knit data tag --add stage:raw $knit_id"
knit data tag --add stage:raw "$knit_id" | field "['tags']"

say "knit data find -t project:demo -t stage:raw"
knit data find -t project:demo -t stage:raw | field "[-1]['knitId']"

say "knit data pull -x $knit_id"
knit data pull -x "$knit_id" "$work/pulled"
diff -r "$here/demo-data" "$work/pulled/$knit_id" && echo "pulled content is identical to what was pushed"

say "lineage of knit#id:$knit_id (knit data show: its upstream)"
knit data show "$knit_id" | python3 "$here/print_upstream.py"

say "done"
knitgraph status
echo "Explore the graph in Neo4j Browser (see docs/graph-model.md); stop with: knitgraph down"
