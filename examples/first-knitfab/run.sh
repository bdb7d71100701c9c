#!/usr/bin/env bash
# Knitfab's getting-started tutorials with knitgraph: train a handwritten-digit classifier (1),
# evaluate it (2), and look at the lineage and the plan graph (3), with the tutorial's knit commands.
#
#   examples/first-knitfab/run.sh                    # Runs executed by the process executor (default)
#   EXECUTOR=docker examples/first-knitfab/run.sh    # by the docker executor: images built locally
#
# WORK is the project folder (default: a new temporary folder); the pulled model, the plan files and
# the graphs (lineage-graph.svg, plan-graph.svg, and their dot sources) are written there.
# Needs knit and knitgraph on PATH (`source .venv/bin/activate`), graphviz's dot for the SVGs, and
# for EXECUTOR=docker a container engine at DOCKER_HOST (Docker, or Podman's socket).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXAMPLES="$(dirname "$HERE")"
source "$EXAMPLES/lib.sh"

WORK="${WORK:-$(mktemp -d -t first-knitfab-project.XXXXXX)}"
mkdir -p "$WORK"
cd "$WORK"
echo "[run.sh] project folder: $WORK" >&2

start_knitgraph first-knitfab

say "Tutorial 1 / Uploading Data (QMNIST cannot be downloaded: scikit-learn's handwritten digits, in QMNIST's files)"
run "$PYTHON" "$HERE/prepare_data.py" data
run knit data push -t format:mnist -t mode:training -t type:dataset -t project:first-knitfab -n ./data/digits-train \
  > pushed-train.json
cat pushed-train.json
train_data="$(field "['knitId']" < pushed-train.json)"

say "Tutorial 1 / Local verification (one epoch, outside knitgraph)"
run "$PYTHON" -u "$HERE/scripts/train.py" --dataset data/digits-train --save-to out/model --epochs 1 | grep -v "Batch: #"

say "Tutorial 1 / Registering the training Plan"
plan="$(plan_file "$HERE/plans/knitfab-first-train.v1.0.plan.yaml" "$HERE/scripts")"
grep -v '^ *#' "$plan" | grep .
apply_plan "./$plan" > train-plan.json
cat train-plan.json
train_plan="$(field "['planId']" < train-plan.json)"

say "Tutorial 1 / Wait: knit run find -p $train_plan"
train_run="$(run_of "$train_plan" "$train_data")"
knit run find -p "$train_plan" | brief_runs
wait_run "$train_run"
knit run find -p "$train_plan" | brief_runs

say "knit run show --log $train_run"
knit run show --log "$train_run"

say "Tutorial 1 / Download the model: knit run show $train_run, knit data pull -x"
knit run show "$train_run" | tee train-run.json
model="$(field "['outputs'][0]['knitId']" < train-run.json)"
mkdir -p ./knitfab/out/model
run knit data pull -x "$model" ./knitfab/out/model
ls -l "./knitfab/out/model/$model"

say "Tutorial 2 / Verification of the evaluation script (image #1 of the test digits)"
run "$PYTHON" "$HERE/scripts/validation.py" --dataset data/digits-test --model "knitfab/out/model/$model/model.npz" --id 1

say "Tutorial 2 / Register the test dataset and the validation Plan"
run knit data push -t format:mnist -t mode:test -t type:dataset -t project:first-knitfab -n ./data/digits-test \
  > pushed-test.json
test_data="$(field "['knitId']" < pushed-test.json)"
plan="$(plan_file "$HERE/plans/knitfab-first-validation.v1.0.plan.yaml" "$HERE/scripts")"
apply_plan "./$plan" > validation-plan.json
validation_plan="$(field "['planId']" < validation-plan.json)"
echo "validation plan: $validation_plan"
validation_run="$(run_of "$validation_plan" "$model" "$test_data")"
knit run find -p "$validation_plan" | brief_runs
wait_run "$validation_run"
say "knit run show --log $validation_run"
knit run show --log "$validation_run" | tee validation.log

say "Tutorial 3 / Lineage: knit data lineage -n all $model"
run knit data lineage -n all "$model" > lineage-graph.dot
run knit data lineage -n all --format svg -o lineage-graph.svg "$model"
say "Tutorial 3 / Pipeline: knit plan graph -n all $train_plan"
run knit plan graph -n all "$train_plan" > plan-graph.dot
run knit plan graph -n all --format svg -o plan-graph.svg "$train_plan"

say "done"
accuracy="$(sed -n 's/^Accuracy: //p' validation.log)"
cat <<EOF
model:         knit#id:$model (trained by Run $train_run)
test accuracy: $accuracy on $(sed -n 's/^Accuracy (at \([0-9]*\) images).*/\1/p' validation.log | tail -1) digits
lineage graph: $WORK/lineage-graph.svg
plan graph:    $WORK/plan-graph.svg
knitgraph is still up: explore with knit, or stop it with \`knitgraph down\`.
EOF
