#!/usr/bin/env bash
# Seed 003 (a Kubeflow hands-on: the object-detection example's data preparation) with knitgraph:
# the four downloads pushed as Data, the three decompress jobs and the pet-record job as Plans that
# knitgraph chains by itself, the records pulled and their lineage drawn; then the same chain as a
# Python pipeline, whose records must be byte for byte those of the Plans, run again with other
# parameters and compared.
#
#   examples/object-detection-prep/run.sh                    # steps run as sandboxed processes (default)
#   EXECUTOR=docker examples/object-detection-prep/run.sh    # in the example's image (built locally)
#
# WORK is the project folder (default: a new temporary folder): the generated data (in/), the
# pulled records (out/yaml/, out/pipeline/), the graphs (graphs/) and summary.json (the ids of
# everything). Needs knit and knitgraph on PATH (`source .venv/bin/activate`) and graphviz's dot.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXAMPLES="$(dirname "$HERE")"
source "$EXAMPLES/lib.sh"
export EXECUTOR  # pipeline.py chooses where the scripts are: /work in the image, $HERE/scripts here

WORK="${WORK:-$(mktemp -d -t object-detection-prep.XXXXXX)}"
mkdir -p "$WORK"
cd "$WORK"
echo "[run.sh] project folder: $WORK" >&2

start_knitgraph object-detection-prep

say "The data: stand-ins for the seed's four downloads (generated here: no network)"
run "$PYTHON" "$HERE/prepare_data.py" in

# push PROJECT: push the five folders of in/ as Data tagged project:PROJECT and type:<kind>; writes
# PROJECT-<folder>.json for each.
push() {
  local folder type
  for folder in images annotations model config label-map; do
    case "$folder" in
      images | annotations | model) type="$folder-archive" ;;
      config) type=pipeline-config ;;
      label-map) type=label-map ;;
    esac
    run knit data push -t "project:$1" -t "type:$type" -n "./in/$folder" > "$1-$folder.json"
  done
}
knit_id() { field "['knitId']" < "$1"; }

# ---------------------------------------------------------------------------------------------
say "Step 1 (the seed's get-data-job: wget of four files): push them as Data, and the label map"
push pets-yaml
echo "(the config is for training, the next chapter: nothing reads it here)"

say "Steps 2 and 3 (decompress-data-job, create-pet-record-job): apply the four Plans at once"
declare -A plan_id
for step in decompress-images decompress-annotations decompress-model create-records; do
  plan="$(plan_file "$HERE/plans/pets-$step.v1.0.yaml" "$HERE/scripts")"
  plan_id[$step]="$(apply_plan "./$plan" | field "['planId']")"
  echo "$step: plan ${plan_id[$step]}"
done

say "knitgraph runs each decompress Plan on its archive (the seed waits for COMPLETIONS 1/1 by hand)"
declare -A extracted
for kind in images annotations model; do
  run_id="$(run_of "${plan_id[decompress-$kind]}" "$(knit_id "pets-yaml-$kind.json")")"
  wait_run "$run_id"
  knit run find -p "${plan_id[decompress-$kind]}" | brief_runs
  extracted[$kind]="$(knit run show "$run_id" | field "['outputs'][0]['knitId']")"
done
echo "the model's decompress Run (tar -v's listing, then a count):"
run knit run show --log "$run_id"

say "... and the record Plan as soon as extracted images and annotations are there"
records_run="$(run_of "${plan_id[create-records]}" "${extracted[images]}" "${extracted[annotations]}" \
  "$(knit_id pets-yaml-label-map.json)")"
wait_run "$records_run"
knit run find -p "${plan_id[create-records]}" | brief_runs
yaml_records="$(knit run show "$records_run" | field "['outputs'][0]['knitId']")"
run knit run show --log "$records_run"

say "The records' metrics, as knitgraph recorded them from metrics.json"
run knit data show "$yaml_records" | "$PYTHON" -c '
import json, sys
for metric in json.load(sys.stdin)["metrics"]:
    print("  %-15s %g" % (metric["name"], metric["value"]))'

say "Pull the records; the first training example (image bytes left out)"
run knit data pull -x "$yaml_records" ./out/yaml
"$PYTHON" - "out/yaml/$yaml_records/pet_train.record.jsonl" <<'PY'
import json, sys
first = json.loads(open(sys.argv[1]).readline())
first["encoded"] = f"<{len(first['encoded'])} base64 characters of JPEG>"
print(json.dumps(first, indent=1))
PY

say "Where the records came from: their lineage, up to the pushed archives"
mkdir -p graphs
run knit data lineage -u -n all --format svg -o graphs/yaml-records-lineage.svg "$yaml_records"
knit data lineage -u -n all --format json -o graphs/yaml-records-lineage.json "$yaml_records"

# ---------------------------------------------------------------------------------------------
say "The same chain as a Python pipeline (pipeline.py), on its own copy of the data (project:pets-pipeline)"
push pets-pipeline
run knit pipeline apply --dry-run "$HERE/pipeline.py" > pets-prep-plans.yaml
grep -c '^# step ' pets-prep-plans.yaml | sed 's/$/ steps compiled into pets-prep-plans.yaml/'
run knit pipeline apply "$HERE/pipeline.py" > /dev/null
run knit pipeline show pets-prep | field "['parameters']"

say "Run it with the defaults (the seed's split: seed 42, 70 % for training)"
run knit pipeline run pets-prep --experiment pets --wait > pipeline-run.json
records_step_run="$("$PYTHON" -c '
import json, sys
print(next(r["run"]["runId"] for r in json.load(sys.stdin)["runs"] if r["step"] == "create-records"))' < pipeline-run.json)"
pipeline_records="$(knit run show "$records_step_run" | field "['outputs'][0]['knitId']")"
run knit data pull -x "$pipeline_records" ./out/pipeline

say "The pipeline's records are the Plans' records, byte for byte (same data, same seed, same split)"
identical=yes
for file in pet_train.record.jsonl pet_val.record.jsonl metrics.json; do
  if cmp "out/yaml/$yaml_records/$file" "out/pipeline/$pipeline_records/$file"; then
    echo "identical: $file"
  else
    identical=no
  fi
done
[ "$identical" = yes ] || { echo "the two variants' records differ" >&2; exit 1; }

say "Run it again with another shuffle and split, and compare the two runs"
run knit pipeline run pets-prep --experiment pets -p seed=1 -p train_fraction=0.8 --wait > pipeline-run-2.json
run knit metrics compare --pipeline pets-prep

say "The pipeline's graph, and the lineage of its records"
run knit pipeline graph --format svg -o graphs/pets-prep-pipeline.svg pets-prep
knit pipeline graph --format json -o graphs/pets-prep-pipeline.json pets-prep
run knit data lineage -u -n all --format svg -o graphs/pipeline-records-lineage.svg "$pipeline_records"
knit data lineage -u -n all --format json -o graphs/pipeline-records-lineage.json "$pipeline_records"

# ---------------------------------------------------------------------------------------------
EXECUTOR="$EXECUTOR" YAML_RECORDS="$yaml_records" RECORDS_RUN="$records_run" PIPELINE_RECORDS="$pipeline_records" \
  PLANS="$(for step in "${!plan_id[@]}"; do echo "$step=${plan_id[$step]}"; done)" \
  EXTRACTED="$(for kind in "${!extracted[@]}"; do echo "$kind=${extracted[$kind]}"; done)" \
  "$PYTHON" - > summary.json <<'PY'
import json, os
from pathlib import Path

def pairs(text):
    return dict(line.split("=", 1) for line in text.splitlines())

def pushed(project):
    return {folder: json.loads(Path(f"{project}-{folder}.json").read_text())["knitId"]
            for folder in ("images", "annotations", "model", "config", "label-map")}

yaml_records, pipeline_records = os.environ["YAML_RECORDS"], os.environ["PIPELINE_RECORDS"]
print(json.dumps({
    "executor": os.environ["EXECUTOR"],
    "yaml": {
        "pushed": pushed("pets-yaml"),
        "plans": pairs(os.environ["PLANS"]),
        "extracted": pairs(os.environ["EXTRACTED"]),
        "records_run": os.environ["RECORDS_RUN"],
        "records": yaml_records,
        "records_dir": str(Path(f"out/yaml/{yaml_records}").resolve()),
    },
    "pipeline": {
        "pushed": pushed("pets-pipeline"),
        "runs": [json.loads(Path(name).read_text()) for name in ("pipeline-run.json", "pipeline-run-2.json")],
        "records": pipeline_records,
        "records_dir": str(Path(f"out/pipeline/{pipeline_records}").resolve()),
    },
    "graphs": {name: str(Path(f"graphs/{name}.svg").resolve())
               for name in ("yaml-records-lineage", "pipeline-records-lineage", "pets-prep-pipeline")},
}, indent=2))
PY

say "done"
echo "records:        $WORK/out/yaml/$yaml_records"
echo "lineage graph:  $WORK/graphs/yaml-records-lineage.svg"
echo "pipeline graph: $WORK/graphs/pets-prep-pipeline.svg"
page="/lineage/$yaml_records"
echo "web console:    $(knitgraph console "$page" 2>/dev/null | sed 's/#token=.*//')  (\`knitgraph console $page\` prints a link that signs you in)"
