#!/usr/bin/env bash
# Sums the jest "Tests:" lines of an `nx run-many -t test` log into one closing line,
# `tests: N passed, N failed[, N skipped][, N retried]` (what CI reads as the run's result). "retried": tests of
# integration / e2e specs that failed once and ran again (tools/test/retry-setup.js; a retried test that failed
# again is among the failed) — listed by name above the closing line. Usage: summary.sh <log>
set -euo pipefail
sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
  /LOGGING RETRY ERRORS/ {
    r += 1
    sub(/.*LOGGING RETRY ERRORS[ ]*/, "")
    print "retried once: " $0
  }
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
    if (r > 0) line = line sprintf(", %d retried", r)
    print line
  }'
