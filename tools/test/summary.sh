#!/usr/bin/env bash
# Sums the jest "Tests:" lines of an `nx run-many -t test` log into one closing line,
# `tests: N passed, N failed[, N skipped]` (what CI reads as the run's result). Usage: summary.sh <log>
set -euo pipefail
sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
  /Tests:/ {
    for (i = 1; i <= NF; i++) {
      n = $(i - 1) + 0
      if ($i ~ /^passed/) p += n
      if ($i ~ /^failed/) f += n
      if ($i ~ /^skipped/) s += n
      if ($i ~ /^todo/) s += n
    }
  }
  END {
    line = sprintf("tests: %d passed, %d failed", p, f)
    if (s > 0) line = line sprintf(", %d skipped", s)
    print line
  }'
