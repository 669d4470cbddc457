#!/usr/bin/env bash
# The project's test command (README and .ci/run): brings up the infrastructure (idempotent), then runs
# every project's jest suites — unit specs, integration specs against the real PostgreSQL/Redis/Kafka,
# e2e specs (services, headless Chromium). Extra args go to nx, e.g. `npm test -- --projects=messaging`.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ -d node_modules ]] || ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund
bash tools/infra/install-system-deps.sh
bash tools/infra/up.sh
bash tools/models/fetch-models.sh
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
LOG="$(mktemp -t hub-tests.XXXXXX.log)"
status=0
npx nx run-many -t test --parallel=1 --outputStyle=stream --skip-nx-cache "$@" 2>&1 | tee "${LOG}" || status=$?
# one closing line for the whole run (every project's jest "Tests:" line summed)
bash tools/test/summary.sh "${LOG}" || true
rm -f "${LOG}"
exit "${status}"
