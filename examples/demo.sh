#!/usr/bin/env bash
# `make demo`: start knitgraph (embedded Neo4j + API server), push a dataset, tag, find and pull
# it, apply a train and a validate plan, let knitgraph run them, and print the metrics' lineage.
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

say "knit plan apply: train and validate (run by the process executor, in a bubblewrap sandbox)"
sed "s#EXAMPLES#$here#" "$here/demo/train.plan.yaml" > "$work/train.plan.yaml"
sed "s#EXAMPLES#$here#" "$here/demo/validate.plan.yaml" > "$work/validate.plan.yaml"
apply_or_reuse() {  # a second `make demo` finds its plans registered already: reuse them
  if applied="$(knit plan apply "$1" 2>/dev/null)"; then
    echo "$applied" | field "['planId']"
  else
    knit plan find --image "$2" | field "[0]['planId']"
  fi
}
train_plan="$(apply_or_reuse "$work/train.plan.yaml" demo-train:v1)"
validate_plan="$(apply_or_reuse "$work/validate.plan.yaml" demo-validate:v1)"
echo "train plan $train_plan, validate plan $validate_plan"

say "knit run wait: training, then validation (started by knitgraph on its own)"
train_run="$(knit run find -p "$train_plan" | field "[-1]['runId']")"
knit run wait "$train_run" > /dev/null
knit run show --log "$train_run"
validate_run="$(knit run find -p "$validate_plan" | field "[-1]['runId']")"
knit run wait "$validate_run" > /dev/null
knit run show --log "$validate_run"
metrics_id="$(knit run show "$validate_run" | field "['outputs'][0]['knitId']")"
knit data pull -x "$metrics_id" "$work/metrics"
echo "metrics: $(cat "$work/metrics/$metrics_id/metrics.json" | tr -d '\n ')"

say "lineage of the metrics (knit#id:$metrics_id)"
python3 "$here/print_lineage.py" "$metrics_id"

say "done"
knitgraph status
echo "Explore the graph in Neo4j Browser (see docs/graph-model.md); stop with: knitgraph down"
