#!/usr/bin/env bash
# The whole test suite: TypeScript tests (node's test runner over the compiled tests), then the
# Python trainer tests. Run through `npm test`, which bootstraps first.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
node --test --test-concurrency=1 dist/test/ || status=$?
(cd trainer && ../.venv/bin/python -m pytest -q -p no:cacheprovider) || status=$?
exit $status
