#!/usr/bin/env bash
# Sets up like scripts/setup.sh --test, then runs the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
mkdir -p test-artifacts
.venv/bin/ruff check chief_of_staff tests bench examples
set +e
# The PostgreSQL tests start their own server (tests/postgres_server.py); here they may fail, never skip.
COS_REQUIRE_POSTGRES=1 .venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests; that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
