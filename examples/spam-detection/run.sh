#!/usr/bin/env bash
# Knitfab's example "Spam Email Detection with Incremental Training" with knitgraph: steps 4 to 8
# (initial training, validation, incremental training and validation again, plan and lineage
# graphs, clean-up), with the tutorial's knit commands.
#
#   examples/spam-detection/run.sh                    # Runs executed by the process executor (default)
#   EXECUTOR=docker examples/spam-detection/run.sh    # by the docker executor: images built locally
#
# WORK is the project folder (default: a new temporary folder): the datasets (in/dataset/...), the
# pulled models and metrics (out/...), the plan files, the graphs (graphs/...) and summary.json
# (the ids of everything, and both models' metrics) are written there.
# Needs knit and knitgraph on PATH (`source .venv/bin/activate`), graphviz's dot for the SVGs, and
# for EXECUTOR=docker a container engine at DOCKER_HOST (Docker, or Podman's socket).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXAMPLES="$(dirname "$HERE")"
source "$EXAMPLES/lib.sh"

WORK="${WORK:-$(mktemp -d -t spam-detection.XXXXXX)}"
mkdir -p "$WORK"
cd "$WORK"
echo "[run.sh] project folder: $WORK" >&2

start_knitgraph spam-detection

say "The datasets: the SMS Spam Collection, cut into initial, incremental and validate"
run "$PYTHON" "$HERE/prepare_data.py" in/dataset

# ---------------------------------------------------------------------------------------------
say "Step 4.1: push the initial training data"
run knit data push -t mode:initial-train -t type:dataset -t project:spam-detection -n ./in/dataset/initial \
  > initial-dataset.json
initial_dataset_knit_id="$(field "['knitId']" < initial-dataset.json)"

say "Step 4.4-4.5: apply the initial training Plan"
plan="$(plan_file "$HERE/plans/spam-detection-initial-train.v1.0.yaml" "$HERE/scripts")"
initial_train_plan=$(apply_plan "./$plan")
initial_train_plan_id=$(echo "$initial_train_plan" | field "['planId']")
echo "initial_train_plan_id=$initial_train_plan_id"

say "Step 4.6-4.8: knit run find -p \$initial_train_plan_id, and the Run's log"
initial_train_run_id="$(run_of "$initial_train_plan_id" "$initial_dataset_knit_id")"
knit run find -p "$initial_train_plan_id" | brief_runs
wait_run "$initial_train_run_id"
initial_train_run=$(knit run show "$initial_train_run_id")
initial_train_model_knit_id=$(echo "$initial_train_run" | field "['outputs'][0]['knitId']")
echo "initial_train_run_id=$initial_train_run_id initial_train_model_knit_id=$initial_train_model_knit_id"
run knit run show --log "$initial_train_run_id"

say "Step 4.9: download the model"
run knit data pull -x "$initial_train_model_knit_id" ./out/model

# ---------------------------------------------------------------------------------------------
say "Step 5.1: push the validation data"
run knit data push -t mode:validate -t type:dataset -t project:spam-detection -n ./in/dataset/validate \
  > validate-dataset.json
validate_dataset_knit_id="$(field "['knitId']" < validate-dataset.json)"

say "Step 5.4-5.5: apply the validation Plan"
plan="$(plan_file "$HERE/plans/spam-detection-validate.v1.0.yaml" "$HERE/scripts")"
validate_plan=$(apply_plan "./$plan")
validate_plan_id=$(echo "$validate_plan" | field "['planId']")
echo "validate_plan_id=$validate_plan_id"

say "Step 5.6-5.8: the validation Run of the initial model, and its log"
validate_run_id="$(run_of "$validate_plan_id" "$validate_dataset_knit_id" "$initial_train_model_knit_id")"
knit run find -p "$validate_plan_id" | brief_runs
wait_run "$validate_run_id"
validate_metrics_knit_id=$(knit run show "$validate_run_id" | field "['outputs'][0]['knitId']")
echo "validate_run_id=$validate_run_id validate_metrics_knit_id=$validate_metrics_knit_id"
run knit run show --log "$validate_run_id"

say "Step 5.9: download the metrics"
run knit data pull -x "$validate_metrics_knit_id" ./out/metric
cat "./out/metric/$validate_metrics_knit_id/metrics.json"

# ---------------------------------------------------------------------------------------------
say "Step 6.1: push the new training data"
run knit data push -t mode:incremental-train -t type:dataset -t project:spam-detection -n ./in/dataset/incremental \
  > incremental-dataset.json
incremental_dataset_knit_id="$(field "['knitId']" < incremental-dataset.json)"

plan="$(plan_file "$HERE/plans/spam-detection-incremental-train.v1.0.yaml" "$HERE/scripts")"
say "Step 6.3 (Caution, Troubleshooting problem 2): without mode:incremental-train on /in/model, the Plan makes a cycle"
"$PYTHON" - "$plan" > no-mode-tag.yaml <<'EOF'
import sys, yaml
plan = yaml.safe_load(open(sys.argv[1]))
for mountpoint in plan["inputs"]:
    if mountpoint["path"] == "/in/model":
        mountpoint["tags"].remove("mode:incremental-train")
print(yaml.safe_dump(plan, sort_keys=False), end="")
EOF
sed -n '/^inputs:/,/^outputs:/p' no-mode-tag.yaml
if run knit plan apply ./no-mode-tag.yaml 2> cycle-error.txt > /dev/null; then
  echo "the plan without mode:incremental-train on /in/model was accepted; it should make a cycle" >&2
  exit 1
fi
cat cycle-error.txt

say "Step 6.4-6.5: apply the incremental training Plan (with mode:incremental-train on /in/model)"
incremental_train_plan=$(apply_plan "./$plan")
incremental_train_plan_id=$(echo "$incremental_train_plan" | field "['planId']")
echo "incremental_train_plan_id=$incremental_train_plan_id"
knit run find -p "$incremental_train_plan_id" | brief_runs  # nothing yet: no model has the tag

say "Step 6.6: add mode:incremental-train to the initial model: a Run of the incremental training Plan starts"
run knit data tag --add mode:incremental-train "$initial_train_model_knit_id" | field "['tags']"

say "Step 6.7-6.9: knit run find -p \$incremental_train_plan_id, and the Run's log"
incremental_train_run_id="$(run_of "$incremental_train_plan_id" "$incremental_dataset_knit_id" "$initial_train_model_knit_id")"
knit run find -p "$incremental_train_plan_id" | brief_runs
wait_run "$incremental_train_run_id"
incremental_train_run=$(knit run show "$incremental_train_run_id")
incremental_train_model_knit_id=$(echo "$incremental_train_run" | field "['outputs'][0]['knitId']")
echo "incremental_train_run_id=$incremental_train_run_id incremental_train_model_knit_id=$incremental_train_model_knit_id"
run knit run show --log "$incremental_train_run_id"

say "Step 6.10: download the updated model"
run knit data pull -x "$incremental_train_model_knit_id" ./out/model

say "Step 6.11: the validation Plan has validated the updated model by itself"
updated_validate_run_id="$(run_of "$validate_plan_id" "$validate_dataset_knit_id" "$incremental_train_model_knit_id")"
knit run find -p "$validate_plan_id" | brief_runs
wait_run "$updated_validate_run_id"
updated_validate_metrics_knit_id=$(knit run show "$updated_validate_run_id" | field "['outputs'][0]['knitId']")
echo "updated_validate_run_id=$updated_validate_run_id updated_validate_metrics_knit_id=$updated_validate_metrics_knit_id"
run knit run show --log "$updated_validate_run_id"
run knit data pull -x "$updated_validate_metrics_knit_id" ./out/metric
cat "./out/metric/$updated_validate_metrics_knit_id/metrics.json"

say "Step 6.12: remove mode:incremental-train from the initial model"
run knit data tag --remove mode:incremental-train "$initial_train_model_knit_id" | field "['tags']"

# ---------------------------------------------------------------------------------------------
say "Step 7.1: the plan graph (pipeline structure) of the validation Plan"
mkdir -p graphs/plan_graphs graphs/lineage_graphs
plan_graph=graphs/plan_graphs/spam-detection-validate-plan-graph
run knit plan graph -n all "$validate_plan_id" > "$plan_graph.dot"
run knit plan graph -n all --format svg -o "$plan_graph.svg" "$validate_plan_id"
knit plan graph -n all --format json -o "$plan_graph.json" "$validate_plan_id"

say "Step 7.2: the lineage graph (data flow) of the initial model"
lineage_graph=graphs/lineage_graphs/spam-detection-initial-train-lineage-graph
run knit data lineage -n all "$initial_train_model_knit_id" > "$lineage_graph.dot"
run knit data lineage -n all --format svg -o "$lineage_graph.svg" "$initial_train_model_knit_id"
knit data lineage -n all --format json -o "$lineage_graph.json" "$initial_train_model_knit_id"

# Everything the steps made, for whoever checks this run (the clean-up below removes it from knitgraph).
mkdir -p records
for name in initial_train validate incremental_train updated_validate; do
  id_var="${name}_run_id"
  knit run show "${!id_var}" > "records/run-$name.json"
done
for name in initial_train validate incremental_train; do
  id_var="${name}_plan_id"
  knit plan show "${!id_var}" > "records/plan-$name.json"
done
cp "out/metric/$validate_metrics_knit_id/metrics.json" records/metrics-initial.json
cp "out/metric/$updated_validate_metrics_knit_id/metrics.json" records/metrics-incremental.json
EXECUTOR="$EXECUTOR" GRAPHS="$WORK/$plan_graph.svg $WORK/$lineage_graph.svg" "$PYTHON" - > summary.json <<'EOF'
import json, os
from pathlib import Path

def load(path):
    return json.loads(Path(path).read_text())

plan_graph, lineage_graph = os.environ["GRAPHS"].split()
print(json.dumps({
    "executor": os.environ["EXECUTOR"],
    "datasets": {name: load(f"{name}-dataset.json")["knitId"] for name in ("initial", "validate", "incremental")},
    "plans": {name: load(f"records/plan-{name}.json") for name in ("initial_train", "validate", "incremental_train")},
    "runs": {name: load(f"records/run-{name}.json")
             for name in ("initial_train", "validate", "incremental_train", "updated_validate")},
    "metrics": {name: load(f"records/metrics-{name}.json") for name in ("initial", "incremental")},
    "cycle_error": Path("cycle-error.txt").read_text(),
    "graphs": {"plan": plan_graph, "lineage": lineage_graph},
}, indent=2))
EOF

# ---------------------------------------------------------------------------------------------
if [ "${KEEP:-no}" = yes ]; then
  say "Step 8 (the clean-up) is skipped: KEEP=yes keeps the Runs, Plans and Data for the web console"
else
say "Step 8.1: remove the Runs: validation, then incremental training, then initial training"
remove_other_downstream_runs "$updated_validate_run_id $validate_run_id $incremental_train_run_id $initial_train_run_id" \
  "$initial_dataset_knit_id" "$validate_dataset_knit_id" "$incremental_dataset_knit_id"
for run_id in "$updated_validate_run_id" "$validate_run_id" "$incremental_train_run_id" "$initial_train_run_id"; do
  run knit run rm "$run_id"
done

say "Step 8.2: deactivate the Plans"
for plan_id in "$initial_train_plan_id" "$validate_plan_id" "$incremental_train_plan_id"; do
  run knit plan active no "$plan_id" | field "['active']"
done

say "Step 8.3: remove the uploaded datasets (their upload Runs)"
# The three this script pushed (the tutorial finds them with `knit data find -t project:spam-detection`;
# on a shared server that also lists other people's, and earlier runs', uploads).
for dataset in initial validate incremental; do
  field "['upstream']['run']['runId']" < "$dataset-dataset.json"
done > upload-runs.txt
while read -r run_id; do
  run knit run rm "$run_id"
done < upload-runs.txt
run knit data find -t project:spam-detection
fi

# ---------------------------------------------------------------------------------------------
say "done"
"$PYTHON" - <<'EOF'
import json
summary = json.load(open("summary.json"))
initial, incremental = summary["metrics"]["initial"], summary["metrics"]["incremental"]
print(f"{'validation set: ' + str(initial['messages']) + ' messages':<34}{'initial model':>15}{'incremental model':>19}")
print(f"{'trained on (messages)':<34}{initial['model']['messages_seen']:>15}{incremental['model']['messages_seen']:>19}")
for key in ("accuracy", "precision", "recall", "f1"):
    print(f"{key:<34}{initial[key]:>15.4f}{incremental[key]:>19.4f}")
print()
print(f"lineage graph: {summary['graphs']['lineage']}")
print(f"plan graph:    {summary['graphs']['plan']}")
EOF
echo "knitgraph is still up: explore with knit, or stop it with \`knitgraph down\`."
page="/"
[ "${KEEP:-no}" = yes ] && page="/lineage/$initial_train_model_knit_id"
echo "web console: $(knitgraph console "$page" 2>/dev/null | sed 's/#token=.*//')  (\`knitgraph console $page\` prints a link that signs you in)"
