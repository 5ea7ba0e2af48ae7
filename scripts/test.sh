#!/usr/bin/env bash
# One command for the tests: set up, then run the whole suite (unit tests, release sync,
# bug zoos through stock nbgrader and through the engine, fault and cheat zoos).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH" COURSE_OFFLINE=1 TF_CPP_MIN_LOG_LEVEL=3
exec python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
