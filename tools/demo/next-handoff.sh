#!/usr/bin/env bash
# Sends one more real conversation as a handoff to the running demo (for the human in the Agent Desktop).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
# shellcheck disable=SC1090
source var/demo/env.sh
exec node --require @swc-node/register tools/demo/next-handoff.ts "$@"
