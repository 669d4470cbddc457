#!/usr/bin/env bash
# Stops the local Kafka and deletes all its state (topics, offsets, cluster id, logs).
# The cached jars and PostgreSQL/Redis data are not touched. Run up.sh afterwards for a fresh broker.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

"${INFRA_DIR}/down.sh"

case "${KAFKA_STATE_DIR}" in
  "" | "/" | "${HOME}" | "${HOME}/") die "refusing to delete suspicious Kafka state dir '${KAFKA_STATE_DIR}'" ;;
esac
if [[ -d "${KAFKA_STATE_DIR}" ]]; then
  rm -rf -- "${KAFKA_STATE_DIR}"
  log "deleted Kafka state ${KAFKA_STATE_DIR}"
else
  log "no Kafka state at ${KAFKA_STATE_DIR}"
fi
