#!/usr/bin/env bash
# Generates the Prisma client (no schema-engine binary needed for `generate`; the CLI only
# checks that PRISMA_SCHEMA_ENGINE_BINARY points at a file, since the engine cannot be downloaded here).
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
exec ../../node_modules/.bin/prisma generate --config prisma.config.ts
