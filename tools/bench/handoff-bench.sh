#!/usr/bin/env bash
# `npm run bench:handoff -- [--rates 500,2000] [--duration 30] [--agents 40] [--queues 4] [--no-complete]`
# Starts infrastructure and the three services on a fresh database (hub_bench, Kafka/Redis namespace
# "bench"), runs tools/bench/handoff-bench.ts against them, stops the services.
# Set HANDOFF_BENCH_KEEP=1 to leave the services running, HANDOFF_BENCH_REUSE=1 to use running ones;
# HANDOFF_BENCH_RUN=<name> (default bench) for a second run beside another (its own database hub_<name>,
# namespace, var/<name>; give it other ports with BENCH_*_PORT).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
bash tools/infra/up.sh >/dev/null
RUN="${HANDOFF_BENCH_RUN:-bench}"
export HANDOFF_BENCH_RUN="${RUN}"
ENV_FILE="$(bash tools/demo/write-env.sh "${RUN}" "${BENCH_ORCHESTRATOR_PORT:-3201}" "${BENCH_ROUTER_PORT:-3202}" "${BENCH_GATEWAY_PORT:-3203}")"
# shellcheck disable=SC1090
source "${ENV_FILE}"
if [[ "${HANDOFF_BENCH_REUSE:-0}" != 1 ]]; then
  bash tools/demo/services.sh stop "${RUN}" >/dev/null
  psql "${DATABASE_MIGRATION_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS hub_${RUN} WITH (FORCE)" >/dev/null
  node --require @swc-node/register tools/bench/handoff-reset-kafka.ts "${KAFKA_TOPIC_NAMESPACE}"
  npm run --silent db:migrate >/dev/null
  bash tools/demo/services.sh start "${RUN}"
  if [[ "${HANDOFF_BENCH_KEEP:-0}" != 1 ]]; then trap 'bash tools/demo/services.sh stop "${RUN}"' EXIT; fi
fi
node --require @swc-node/register tools/bench/handoff-bench.ts "$@"
# the report is generated markdown/JSON: keep it in the repository's format
npx prettier --write docs/benchmarks.md docs/bench/handoff-*.json >/dev/null
