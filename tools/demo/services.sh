#!/usr/bin/env bash
# Starts/stops the hub services of a local run (demo: all six; bench: router, orchestrator, gateway) as background processes.
#   services.sh start <run>   # run = demo | bench; reads var/<run>/env.sh, logs to var/log/<run>-<svc>.log
#   services.sh stop <run>
#   services.sh status <run>
# Each service is `node --require @swc-node/register apps/<svc>/src/main.ts`; start waits for /readyz.
# HUB_NODE_PROF="--cpu-prof --cpu-prof-dir=DIR" adds node flags to every service (a CPU profile each, written at stop).
# HUB_REPLICAS=N (start; default 1) also starts replicas 2..N of the router and the orchestrator (scale-out runs of the
# benchmark): instance `<svc>-<k>` on the service's port + 10·(k−1), same consumer groups, logs and pid files per
# instance. stop/status also cover replicas a start left running.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
CMD="${1:?start|stop|status}"
RUN="${2:-demo}"
ENV_FILE="var/${RUN}/env.sh"
SERVICES=(work-item-router handoff-orchestrator agent-gateway)
# the demo runs the whole product: Agent Assist (suggestion-service, assist-gateway) and the operations API too
if [[ "${RUN}" == demo ]]; then SERVICES+=(suggestion-service assist-gateway ops-service admin-console connector-audiohook); fi

# replicated services and the instances of a start (HUB_REPLICAS) or of what is running (stop, status)
REPLICATED=(work-item-router handoff-orchestrator)
instances() {
  local svc k
  for svc in "${SERVICES[@]}"; do
    echo "${svc}"
    [[ " ${REPLICATED[*]} " == *" ${svc} "* ]] || continue
    if [[ "${1:-}" == start ]]; then
      for ((k = 2; k <= ${HUB_REPLICAS:-1}; k++)); do echo "${svc}-${k}"; done
    else
      for f in var/run/"${RUN}-${svc}"-[0-9]*.pid; do [[ -e "${f}" ]] && basename "${f}" .pid | sed "s/^${RUN}-//"; done
    fi
  done
}

# `<svc>-<k>` → `<svc>` (the app directory)
app_of() { if [[ "$1" =~ ^(.*)-([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]}"; else echo "$1"; fi; }

port_of() {
  if [[ "$1" =~ ^(.*)-([0-9]+)$ ]]; then
    echo $(($(port_of "${BASH_REMATCH[1]}") + 10 * (BASH_REMATCH[2] - 1)))
    return
  fi
  case "$1" in
    handoff-orchestrator) echo "${ORCHESTRATOR_PORT}" ;;
    work-item-router) echo "${ROUTER_PORT}" ;;
    agent-gateway) echo "${GATEWAY_PORT}" ;;
    suggestion-service) echo "${SUGGESTION_PORT:-3104}" ;;
    assist-gateway) echo "${ASSIST_PORT:-3105}" ;;
    ops-service) echo "${OPS_PORT:-3106}" ;;
    admin-console) echo "${CONSOLE_PORT:-3107}" ;;
    connector-audiohook) echo "${AUDIOHOOK_PORT:-3108}" ;;
  esac
}

is_running() { [[ -f "var/run/${RUN}-$1.pid" ]] && kill -0 "$(cat "var/run/${RUN}-$1.pid")" 2>/dev/null; }

start() {
  [[ -f "${ENV_FILE}" ]] || { echo "missing ${ENV_FILE}" >&2; exit 1; }
  # shellcheck disable=SC1090
  source "${ENV_FILE}"
  mkdir -p var/log var/run
  local all
  mapfile -t all < <(instances start)
  for svc in "${all[@]}"; do
    if is_running "${svc}"; then
      echo "  ${svc} already running (pid $(cat "var/run/${RUN}-${svc}.pid"))"
      continue
    fi
    PORT="$(port_of "${svc}")" nohup node ${HUB_NODE_PROF:-} --require @swc-node/register "apps/$(app_of "${svc}")/src/main.ts" \
      >"var/log/${RUN}-${svc}.log" 2>&1 &
    echo $! >"var/run/${RUN}-${svc}.pid"
    echo "  ${svc}: pid $!, port $(port_of "${svc}"), log var/log/${RUN}-${svc}.log"
  done
  for svc in "${all[@]}"; do
    local port ok=0
    port="$(port_of "${svc}")"
    for _ in $(seq 1 180); do
      if curl -sf "http://127.0.0.1:${port}/readyz" >/dev/null 2>&1; then ok=1; break; fi
      if ! is_running "${svc}"; then break; fi
      sleep 0.5
    done
    if [[ "${ok}" != 1 ]]; then
      echo "✗ ${svc} did not become ready; last log lines:" >&2
      tail -n 30 "var/log/${RUN}-${svc}.log" >&2 || true
      exit 1
    fi
    echo "  ✓ ${svc} ready on :${port}"
  done
}

stop() {
  local all
  mapfile -t all < <(instances)
  for svc in "${all[@]}"; do
    local f="var/run/${RUN}-${svc}.pid"
    [[ -f "${f}" ]] || continue
    local pid
    pid="$(cat "${f}")"
    if kill -0 "${pid}" 2>/dev/null; then
      kill -TERM "${pid}" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.25; done
      kill -0 "${pid}" 2>/dev/null && kill -KILL "${pid}" 2>/dev/null || true
      echo "  stopped ${svc} (pid ${pid})"
    fi
    rm -f "${f}"
  done
}

status() {
  local all
  mapfile -t all < <(instances)
  for svc in "${all[@]}"; do
    if is_running "${svc}"; then echo "  ${svc}: running (pid $(cat "var/run/${RUN}-${svc}.pid"))"; else echo "  ${svc}: stopped"; fi
  done
}

case "${CMD}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: services.sh start|stop|status [run]" >&2; exit 64 ;;
esac
