#!/usr/bin/env bash
# `npm run demo`: one command on a fresh clone.
#  1. npm install (only when node_modules is missing)
#  2. Debian packages (espeak-ng, sox, …) and the local models (Moonshine speech, embeddings) when missing;
#     infrastructure up (Kafka KRaft from Maven Central jars; PostgreSQL/Redis checked/started)
#  3. migrations on the demo database (hub_demo)
#  4. work-item-router, handoff-orchestrator, agent-gateway, suggestion-service, assist-gateway and ops-service as
#     background processes (var/log/demo-*.log)
#  5. the real knowledge bases loaded and mapped to the queues (tools/demo/assist-setup.ts)
#  6. replay of real conversations (tools/demo/replay.ts): seed tenant, simulated agents, summary
#  7. leaves the services and the Agent Desktop running; prints its URL and an agent token
# Stop with `npm run demo:stop`. Ports: DEMO_ORCHESTRATOR_PORT (3101), DEMO_ROUTER_PORT (3102), DEMO_GATEWAY_PORT (3103).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
step() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }

if [[ ! -d node_modules ]]; then
  step "npm install"
  npm install --no-audit --no-fund
fi

step "system packages and local models (speech, embeddings)"
bash tools/infra/install-system-deps.sh
bash tools/models/fetch-models.sh

step "infrastructure (tools/infra/up.sh)"
bash tools/infra/up.sh

ENV_FILE="$(bash tools/demo/write-env.sh demo "${DEMO_ORCHESTRATOR_PORT:-3101}" "${DEMO_ROUTER_PORT:-3102}" "${DEMO_GATEWAY_PORT:-3103}")"
# shellcheck disable=SC1090
source "${ENV_FILE}"

step "migrations (${DATABASE_MIGRATION_URL:-${DATABASE_URL}})"
npm run --silent db:migrate

step "admin console bundle (nx run admin-console:build)"
NX_DAEMON=false npx nx run admin-console:build --outputStyle=static >/dev/null

step "services"
# a demo left running from an earlier `npm run demo` runs the code of then: restart it on the code of now
bash tools/demo/services.sh stop demo >/dev/null 2>&1 || true
bash tools/demo/services.sh start demo

step "Agent Assist: knowledge bases and queue mapping (tools/demo/assist-setup.ts)"
node --require @swc-node/register tools/demo/assist-setup.ts

step "replay"
node --require @swc-node/register tools/demo/replay.ts

step "a Genesys AudioHook call → Agent Assist → vendor widget (tools/demo/audiohook-call.ts)"
node --require @swc-node/register tools/demo/audiohook-call.ts

echo
echo "Agent Assist: the desktop's panel shows suggestions for the human's conversation (send one with"
echo "  bash tools/demo/next-handoff.sh). Vendor widget page: ${ASSIST_URL}/widget/ (embed token: POST ${ASSIST_URL}/v1/embed-tokens"
echo "  with 'Authorization: Bearer \$ASSIST_ADMIN_API_KEY' from var/demo/env.sh)."
echo "Operations API (service health, event inspector, redrive): ${OPS_URL}/docs — platform admin key HUB_PLATFORM_ADMIN_KEY"
echo "  in var/demo/env.sh, with 'X-Tenant-Id: demo'. Suggestion service: ${SUGGESTION_URL}/docs."
echo "Admin console: ${CONSOLE_URL}/ — sign in with the platform-admin key HUB_PLATFORM_ADMIN_KEY (var/demo/env.sh), tenant demo."
echo "Services keep running (logs in var/log/demo-*.log)."

