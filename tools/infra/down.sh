#!/usr/bin/env bash
# Stops the local Kafka started by tools/infra/up.sh (SIGTERM, then SIGKILL after 20 s).
# PostgreSQL and Redis are left running.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

if ! pid="$(kafka_running_pid)"; then
  rm -f "${KAFKA_PID_FILE}"
  if port_open "${KAFKA_HOST}" "${KAFKA_PORT}"; then
    log "no Kafka started by up.sh is running, but something still listens on ${KAFKA_BOOTSTRAP} (not touched)"
  else
    log "Kafka is not running"
  fi
  exit 0
fi

log "stopping Kafka (pid ${pid}, SIGTERM)..."
kill -TERM "${pid}" 2>/dev/null || true
for ((i = 0; i < KAFKA_STOP_TIMEOUT * 2; i++)); do
  if ! kill -0 "${pid}" 2>/dev/null; then
    rm -f "${KAFKA_PID_FILE}"
    log "Kafka stopped"
    exit 0
  fi
  sleep 0.5
done

log "Kafka did not stop within ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
kill -KILL "${pid}" 2>/dev/null || true
for ((i = 0; i < 20; i++)); do
  kill -0 "${pid}" 2>/dev/null || break
  sleep 0.25
done
if kill -0 "${pid}" 2>/dev/null; then
  die "Kafka (pid ${pid}) is still alive after SIGKILL"
fi
rm -f "${KAFKA_PID_FILE}"
log "Kafka killed"
