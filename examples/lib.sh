# Helpers shared by the examples' run.sh scripts (sourced, not run).
# Needs: knit and knitgraph on PATH (knitgraph's virtual environment: `source .venv/bin/activate`).

if ! command -v knit > /dev/null; then
  echo "knit is not on PATH: run \`make install\` and \`source .venv/bin/activate\` first" >&2
  exit 1
fi
# knitgraph's own Python (next to `knit`): it has numpy and the examples' data packages.
PYTHON="$(dirname "$(command -v knit)")/python"
[ -x "$PYTHON" ] || PYTHON=python3
EXECUTOR="${EXECUTOR:-process}"
case "$EXECUTOR" in process | docker) ;; *) echo "EXECUTOR must be process or docker, not '$EXECUTOR'" >&2; exit 2 ;; esac

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
run() { printf '\033[2m$ %s\033[0m\n' "$*" >&2; "$@"; }  # show a command, then run it

# field EXPR: a field of the JSON on stdin, e.g. `field "['planId']"`, `field "[-1]['runId']"`.
field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)$1)"; }

# Start knitgraph (the process executor by default; EXECUTOR=docker runs the plans' images through
# DOCKER_HOST, after building them locally).
start_knitgraph() {
  if [ "$EXECUTOR" = docker ]; then
    say "build the images locally (no registry): examples/images/build.py $1"
    run "$PYTHON" "$EXAMPLES/images/build.py" "$1"
  fi
  export KNITGRAPH_EXECUTOR="$EXECUTOR"
  # The process executor's Runs see only the folders shared with them: this example's scripts.
  export KNITGRAPH_PROCESS_READ_ONLY="${KNITGRAPH_PROCESS_READ_ONLY:+$KNITGRAPH_PROCESS_READ_ONLY:}$HERE/scripts"
  say "knitgraph up (executor: $EXECUTOR)"
  run knitgraph up
}

# plan_file TEMPLATE SCRIPTS_DIR: the plan with SCRIPTS replaced, written to the current folder.
# SCRIPTS is /work (the images' WORKDIR) for the docker executor, the example's scripts folder for
# the process executor (which runs the command on this machine).
plan_file() {
  local scripts="$2"
  [ "$EXECUTOR" = docker ] && scripts=/work
  sed "s#SCRIPTS#$scripts#g" "$1" > "$(basename "$1")"
  echo "$(basename "$1")"
}

# apply_plan FILE: `knit plan apply FILE` and print the Plan. A server that has the plan already
# (an earlier run of this script) refuses it as equivalent: that plan is activated and printed.
apply_plan() {
  local errors existing
  errors="$(mktemp)"
  printf '\033[2m$ knit plan apply %s\033[0m\n' "$1" >&2
  if knit plan apply "$1" 2> "$errors"; then cat "$errors" >&2; rm -f "$errors"; return 0; fi
  existing="$(sed -n 's/^ *see: //p' "$errors")"
  if [ -z "$existing" ]; then cat "$errors" >&2; rm -f "$errors"; return 1; fi
  echo "[run.sh] the plan is registered already ($existing): activating it" >&2
  rm -f "$errors"
  knit plan active yes "$existing"
}

# run_of PLAN_ID KNIT_ID...: the runId of the plan's (latest) Run that reads all these Data. knitgraph
# creates it in the request that makes the Data match (or as the Run making them ends); the
# server's sweep for missed combinations (every 5 s) is waited for up to 30 s.
run_of() {
  local plan="$1" attempt
  shift
  for attempt in $(seq 60); do
    knit run find -p "$plan" | "$PYTHON" -c '
import json, sys
wanted = set(sys.argv[1:])
runs = [r for r in json.load(sys.stdin) if wanted <= {i["knitId"] for i in r["inputs"]}]
if not runs:
    sys.exit(1)
print(runs[-1]["runId"])' "$@" && return 0
    sleep 0.5
  done
  echo "no Run of plan $plan reads $*" >&2
  return 1
}

# brief_runs: `knit run find` JSON on stdin as one line per Run.
brief_runs() {
  "$PYTHON" -c '
import json, sys
for r in json.load(sys.stdin):
    ins = ", ".join("%s=%s" % (i["path"], i["knitId"][:8]) for i in r["inputs"])
    plan = r["plan"].get("image") or r["plan"].get("name")
    print("  %s  %-11s %s  [%s]" % (r["runId"], r["status"], plan, ins))'
}

# wait_run RUN_ID: wait until the Run is done (its log is printed if it failed); check who ran it.
wait_run() {
  local ran
  if ! knit run wait "$1" > /dev/null; then
    knit run show --log "$1" >&2 || true
    exit 1
  fi
  ran="$(knit run show "$1" | field ".get('executor', '')")"
  if [ "$ran" != "$EXECUTOR" ]; then
    echo "Run $1 was executed by the '$ran' executor, not '$EXECUTOR': a knitgraph server started" \
      "earlier is running. Stop it with \`knitgraph down\` and run this script again." >&2
    exit 1
  fi
}

# remove_other_downstream_runs "RUN_ID..." KNIT_ID...: remove every Run downstream of these Data but
# the listed ones, farthest first. On a shared server other Plans (say, this example's plans from
# another folder: their scripts path differs, so they are other Plans, deactivated or not) and other
# Data (an earlier run's datasets) make Runs from this script's Data too, and the tutorial's clean-up
# would stop at them: `knit run rm` refuses a Run whose outputs another Run reads.
remove_other_downstream_runs() {
  "$PYTHON" - "$@" <<'PY'
import json, subprocess, sys

keep, knit_ids = set(sys.argv[1].split()), sys.argv[2:]
steps: dict[str, int] = {}
for knit_id in knit_ids:
    answer = json.loads(subprocess.run(
        ["knit", "data", "lineage", "-d", "-n", "all", "--max-nodes", "100000", "--format", "json", knit_id],
        check=True, capture_output=True, text=True).stdout)
    for run in answer["runs"]:
        steps[run["run"]["runId"]] = max(steps.get(run["run"]["runId"], 0), run["step"])
pending = sorted(set(steps) - keep, key=lambda run_id: -steps[run_id])
while pending:  # a Run read by another at the same distance goes in a later round
    left = []
    for run_id in pending:
        done = subprocess.run(["knit", "run", "rm", run_id], capture_output=True, text=True)
        print(f"$ knit run rm {run_id}  (another Plan's or Data's Run)\n{done.stderr.strip()}", file=sys.stderr)
        if done.returncode != 0:
            left.append(run_id)
    if len(left) == len(pending):
        sys.exit("could not remove the Runs above; remove them by hand (stop running ones first)")
    pending = left
PY
}
