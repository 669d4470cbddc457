#!/usr/bin/env bash
# Re-measures the reliability table: runs the fault-injection suite (private PostgreSQL/Redis/Kafka on the
# reserved ports) and prints tools/fault/results/latest.md (paste it into docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
NX_DAEMON=false NX_NO_CLOUD=true npx nx test fault --skip-nx-cache --outputStyle=stream || status=$?
cat tools/fault/results/latest.md
exit "${status:-0}"
