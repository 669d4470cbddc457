#!/usr/bin/env bash
# `npm run demo:stop`: stops the demo's services (Kafka, PostgreSQL and Redis stay up; `npm run infra:down` stops Kafka).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/services.sh" stop demo
