#!/usr/bin/env bash
# The quick start: the bundled example tasks through every stage, training a tiny random Llama
# (made here once, from the examples) so that the whole pipeline runs on any machine in a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
model=.fait/tiny-model
if [ ! -f "$model/config.json" ]; then
  echo "fait quickstart: making a tiny random-init model in $model" >&2
  .venv/bin/python -m fait_trainer tiny-model --corpus examples/python-tasks.jsonl --out "$model" >/dev/null
fi
exec node bin/fait run config/examples/quickstart.yaml "$@"
