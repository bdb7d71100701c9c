#!/usr/bin/env bash
# Seed 004 (a Kubeflow Pipelines article: workflow1.py, the Chicago taxi tips) with knitgraph: the
# pipeline written in Python, compiled and applied, run twice with parameters in one experiment,
# monitored, its results compared and its best model's analysis read, then the lineage drawn.
#
#   examples/kubeflow-pipeline/run.sh                    # steps run as sandboxed processes (default)
#   EXECUTOR=docker examples/kubeflow-pipeline/run.sh    # in the example's image (built locally)
#
# WORK is the project folder (default: a new temporary folder). summary.json there holds the ids
# of everything and the compared metrics. Needs knit and knitgraph on PATH (`source .venv/bin/activate`)
# and graphviz's dot for the SVGs.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXAMPLES="$(dirname "$HERE")"
source "$EXAMPLES/lib.sh"
export EXECUTOR  # pipeline.py chooses where the scripts are: /work in the image, $HERE/scripts here

WORK="${WORK:-$(mktemp -d -t kubeflow-pipeline.XXXXXX)}"
mkdir -p "$WORK"
cd "$WORK"
echo "[run.sh] project folder: $WORK" >&2

start_knitgraph kubeflow-pipeline

say "The data: taxi trips like the seed's BigQuery table, generated (3,000 trips)"
run "$PYTHON" "$HERE/prepare_data.py" in/trips
run knit data push -t project:kfp-taxi -t type:taxi-trips -n ./in/trips > trips.json
trips_knit_id="$(field "['knitId']" < trips.json)"

# ---------------------------------------------------------------------------------------------
say "Compile the pipeline (the seed's \`python3 workflow1.py\`): the Plans it makes, registered nowhere"
run knit pipeline apply --dry-run "$HERE/pipeline.py" > taxi-plans.yaml
grep -c '^# step ' taxi-plans.yaml | sed 's/$/ steps compiled into taxi-plans.yaml/'

say "Upload it (the seed uploads the package in the UI): knit pipeline apply"
run knit pipeline apply "$HERE/pipeline.py" > /dev/null
run knit pipeline show taxi | field "['parameters']"

say "Applying it again registers nothing new"
run knit pipeline apply "$HERE/pipeline.py" > /dev/null

# ---------------------------------------------------------------------------------------------
say "Start two runs in the experiment taxi-tips, with different parameters (the seed fills them in the UI)"
run knit pipeline run taxi --experiment taxi-tips -p train_steps=150 -p learning_rate=0.1 --wait > run-1.json
run knit pipeline run taxi --experiment taxi-tips -p train_steps=600 -p learning_rate=0.5 --wait > run-2.json

say "Monitor the experiment: every pipeline run, its parameters, status and metrics"
run knit experiment show taxi-tips

say "Compare the runs (both branches, both parameter sets), as CSV too"
run knit metrics compare --experiment taxi-tips --format csv > compare.csv
cat compare.csv

# ---------------------------------------------------------------------------------------------
say "Analyse the best model (the seed's TFMA notebook): its analysis, sliced by pickup hour"
best="$("$PYTHON" - <<'PY'
import json
runs = [json.load(open(f"run-{i}.json")) for i in (1, 2)]
best = max(((r, s) for r in runs for s in r["runs"] if s["step"].startswith("analyse")),
           key=lambda pair: {m["name"]: m["value"] for m in pair[1]["metrics"]}["auc"])
run = best[1]["run"]["runId"]
print(run)
PY
)"
analysis_knit_id="$(knit run show "$best" | field "['outputs'][0]['knitId']")"
run knit data pull -x "$analysis_knit_id" ./out/analysis
"$PYTHON" - "out/analysis/$analysis_knit_id/analysis.json" <<'PY'
import json, sys
analysis = json.load(open(sys.argv[1]))
print(f"{'slice':<12}{'accuracy':>10}{'auc':>8}{'f1':>8}")
for name, scores in [("overall", analysis["overall"]), *analysis["by_pickup_hour"].items()]:
    print(f"{name:<12}{scores['accuracy']:>10.4f}{scores['auc']:>8.4f}{scores['f1']:>8.4f}")
PY

# ---------------------------------------------------------------------------------------------
say "Deploy the best model (the seed's TF Serving step): a service plan serves the model tagged deploy:taxi-tips"
serve_plan="$(apply_plan "$(plan_file "$HERE/serve.yaml" "$HERE/scripts")" | field "['planId']")"
best_model="$(knit run show "$best" | "$PYTHON" -c \
  "import json, sys; print(next(i['knitId'] for i in json.load(sys.stdin)['inputs'] if i['path'] == '/in/model'))")"
run knit data tag --add deploy:taxi-tips "$best_model" > /dev/null
printf '\033[2m$ knit service list taxi-tips   # until it serves that model\033[0m\n' >&2
for _ in $(seq 120); do
  serving="$(knit service list --json taxi-tips 2>/dev/null \
    | "$PYTHON" -c "import json, sys; s = json.load(sys.stdin)[0]['serving']; print(s['runId'] if s and s['inputs'] == ['$best_model'] else '')" \
    2>/dev/null || true)"
  [ -n "$serving" ] && break
  sleep 0.5
done
[ -n "${serving:-}" ] || { echo "[run.sh] the model is not served after 60 s:" >&2; knit run find -p "$serve_plan" >&2; exit 1; }
knit service list taxi-tips

say "Ask it for predictions (the seed's TF Serving client): POST /serve/taxi-tips/v1/models/taxi:predict"
link="$(knitgraph console / 2>/dev/null)"
printf '\033[2m$ curl -H "Authorization: Bearer $KNIT_TOKEN" -d @trips.json %s\033[0m\n' "${link%%/#token=*}/serve/taxi-tips/v1/models/taxi:predict" >&2
cat > trips-to-score.json <<'JSON'
{"instances": [
  {"trip_seconds": 420, "trip_miles": 1.2, "fare": 7.25, "pickup_hour": 9, "payment_type": "Credit Card"},
  {"trip_seconds": 1800, "trip_miles": 11.5, "fare": 31.0, "pickup_hour": 23, "payment_type": "Cash"}
]}
JSON
curl -sS --fail-with-body -H "Authorization: Bearer ${link##*#token=}" -H "Content-Type: application/json" \
  -D served-headers.txt -d @trips-to-score.json "${link%%/#token=*}/serve/taxi-tips/v1/models/taxi:predict" \
  > predictions.json
cat predictions.json; echo
grep -i '^x-knitgraph-run:' served-headers.txt

say "Where it came from: the lineage of that analysis, and the pipeline's graph"
mkdir -p graphs
run knit data lineage -n all --format svg -o graphs/analysis-lineage.svg "$analysis_knit_id"
knit data lineage -n all --format json -o graphs/analysis-lineage.json "$analysis_knit_id"
run knit pipeline graph --format svg -o graphs/taxi-pipeline.svg taxi
knit pipeline graph --format json -o graphs/taxi-pipeline.json taxi

EXECUTOR="$EXECUTOR" TRIPS="$trips_knit_id" ANALYSIS="$analysis_knit_id" MODEL="$best_model" SERVING="$serving" \
  "$PYTHON" - > summary.json <<'PY'
import json, os
from pathlib import Path
print(json.dumps({
    "executor": os.environ["EXECUTOR"],
    "trips": os.environ["TRIPS"],
    "runs": [json.loads(Path(f"run-{i}.json").read_text()) for i in (1, 2)],
    "best_analysis": os.environ["ANALYSIS"],
    "served": {"model": os.environ["MODEL"], "run": os.environ["SERVING"],
               "predictions": json.loads(Path("predictions.json").read_text())["predictions"]},
    "graphs": {"lineage": str(Path("graphs/analysis-lineage.svg").resolve()),
               "pipeline": str(Path("graphs/taxi-pipeline.svg").resolve())},
}, indent=2))
PY

say "done"
echo "lineage graph:  $WORK/graphs/analysis-lineage.svg"
echo "pipeline graph: $WORK/graphs/taxi-pipeline.svg"
page="/experiments/taxi-tips"
echo "web console:    $(knitgraph console "$page" 2>/dev/null | sed 's/#token=.*//')  (\`knitgraph console $page\` prints a link that signs you in)"
