#!/usr/bin/env bash
# `make demo`: Knitfab's spam detection example end to end with knitgraph (examples/spam-detection):
# knitgraph up, the initial training, its validation, the incremental training and the validation
# of the updated model (started by knitgraph on its own), the plan and lineage graphs. The
# tutorial's clean-up is skipped (KEEP=yes), so that the web console shows what was made. It ends by
# printing where the lineage graph was written, both models' metrics side by side, and the web
# console's page of the lineage.
# EXECUTOR=docker runs the plans' images through DOCKER_HOST instead of sandboxed host processes.
set -euo pipefail
KEEP="${KEEP:-yes}" exec bash "$(cd "$(dirname "$0")" && pwd)/spam-detection/run.sh"
