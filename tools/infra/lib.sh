# shellcheck shell=bash
# Shared settings and helpers for tools/infra/*.sh. Source it, do not run it.
# Variables here are used by the scripts that source this file.
# shellcheck disable=SC2034

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${INFRA_DIR}/../.." && pwd)"

# --- Kafka distribution (jars resolved from Maven Central by tools/infra/kafka/pom.xml) ---
KAFKA_VERSION="${HUB_KAFKA_VERSION:-4.1.1}"
HUB_CACHE_DIR="${HUB_CACHE_DIR:-${HOME}/.cache/engagement-hub}"
HUB_KAFKA_HOME="${HUB_KAFKA_HOME:-${HUB_CACHE_DIR}/kafka-${KAFKA_VERSION}}"
KAFKA_LIBS_DIR="${HUB_KAFKA_HOME}/libs"
KAFKA_LIBS_MARKER="${KAFKA_LIBS_DIR}/.resolved-${KAFKA_VERSION}"

# --- Runtime state (data, logs, pid, generated config) ---
HUB_STATE_DIR="${HUB_STATE_DIR:-${HUB_CACHE_DIR}/state}"
KAFKA_STATE_DIR="${HUB_STATE_DIR}/kafka"
KAFKA_DATA_DIR="${KAFKA_STATE_DIR}/data"
KAFKA_LOG_DIR="${KAFKA_STATE_DIR}/logs"
KAFKA_PID_FILE="${KAFKA_STATE_DIR}/kafka.pid"
KAFKA_PROPS_FILE="${KAFKA_STATE_DIR}/server.properties"
KAFKA_CLUSTER_ID_FILE="${KAFKA_STATE_DIR}/cluster.id"
KAFKA_STDOUT_FILE="${KAFKA_LOG_DIR}/kafka.out"

# --- Network ---
KAFKA_HOST="127.0.0.1"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_BOOTSTRAP="${KAFKA_HOST}:${KAFKA_PORT}"
PG_HOST="127.0.0.1"
PG_PORT="${PG_PORT:-5432}"
REDIS_HOST="127.0.0.1"
REDIS_PORT="${REDIS_PORT:-6379}"

KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-240}"

log() { printf '[infra] %s\n' "$*" >&2; }
die() {
  printf '[infra] ERROR: %s\n' "$*" >&2
  exit 1
}

# True if something accepts TCP connections on host:port.
port_open() {
  local host="$1" port="$2"
  # shellcheck disable=SC2016 # $0/$1 expand in the child bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

kafka_classpath() { printf '%s/*' "${KAFKA_LIBS_DIR}"; }

# Runs a Kafka CLI main class from the cached jars with quiet logging.
# Usage: kafka_java_tool <main-class> [args...]
kafka_java_tool() {
  local main="$1"
  shift
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="${INFRA_DIR}/kafka/tools-log4j2.properties" \
    -cp "$(kafka_classpath)" "${main}" "$@"
}

kafka_libs_ready() {
  [[ -f "${KAFKA_LIBS_MARKER}" && -f "${KAFKA_LIBS_DIR}/kafka_2.13-${KAFKA_VERSION}.jar" ]]
}

# Resolves the Kafka jars into ${KAFKA_LIBS_DIR} with Maven unless already cached.
ensure_kafka_libs() {
  if kafka_libs_ready; then
    log "Kafka ${KAFKA_VERSION} jars cached in ${KAFKA_LIBS_DIR}"
    return 0
  fi
  command -v java >/dev/null 2>&1 || die "java not found on PATH (Kafka needs Java 17+)"
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (needed once to fetch Kafka ${KAFKA_VERSION} jars from Maven Central)"
  log "resolving Kafka ${KAFKA_VERSION} jars from Maven Central into ${KAFKA_LIBS_DIR} (first run only)..."
  mkdir -p "${KAFKA_LIBS_DIR}"
  local mvn_log="${HUB_KAFKA_HOME}/maven.log"
  if ! mvn -B -q -f "${INFRA_DIR}/kafka/pom.xml" \
    -Dkafka.version="${KAFKA_VERSION}" \
    -Dkafka.libs.dir="${KAFKA_LIBS_DIR}" \
    package >"${mvn_log}" 2>&1; then
    tail -n 40 "${mvn_log}" >&2 || true
    die "maven could not resolve Kafka ${KAFKA_VERSION} (full log: ${mvn_log})"
  fi
  [[ -f "${KAFKA_LIBS_DIR}/kafka_2.13-${KAFKA_VERSION}.jar" ]] ||
    die "maven finished but ${KAFKA_LIBS_DIR}/kafka_2.13-${KAFKA_VERSION}.jar is missing"
  date -u +%Y-%m-%dT%H:%M:%SZ >"${KAFKA_LIBS_MARKER}"
  log "Kafka jars ready ($(find "${KAFKA_LIBS_DIR}" -name '*.jar' | wc -l) jars)"
}

# Prints the pid of the Kafka started by up.sh if it is alive, else nothing (returns 1).
kafka_running_pid() {
  [[ -f "${KAFKA_PID_FILE}" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"${KAFKA_PID_FILE}")"
  [[ -n "${pid}" ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  # Guard against a recycled pid: it must still be a Kafka server JVM.
  ps -o args= -p "${pid}" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "${pid}"
}

# True if the broker answers a metadata request (lists topics) within $1 seconds (default 30).
kafka_broker_ready() {
  timeout "${1:-30}" java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="${INFRA_DIR}/kafka/tools-log4j2.properties" \
    -cp "$(kafka_classpath)" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "${KAFKA_BOOTSTRAP}" --list >/dev/null 2>&1
}
