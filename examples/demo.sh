#!/usr/bin/env bash
# `make demo`: Knitfab's spam detection example end to end with knitgraph (examples/spam-detection):
# knitgraph up, the initial training, its validation, the incremental training and the validation
# of the updated model (started by knitgraph on its own), the plan and lineage graphs, the clean-up.
# It ends by printing where the lineage graph was written and both models' metrics side by side.
# EXECUTOR=docker runs the plans' images through DOCKER_HOST instead of sandboxed host processes.
set -euo pipefail
exec bash "$(cd "$(dirname "$0")" && pwd)/spam-detection/run.sh"
