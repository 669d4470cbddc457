#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, if missing (idempotent, quick when present):
#   chromium            headless browser for the Agent Desktop / widget end-to-end tests (playwright-core)
#   pocketsphinx(-en-us) offline speech-to-text for the AudioHook connector
#   pocketsphinx-testdata real 16 kHz LibriVox clips (speech-to-text real-time-factor benchmark)
#   espeak-ng, sox      synthesise real speech and convert it to 8 kHz μ-law for AudioHook tests
#   festival, festvox-us-slt-hts
#                       Festival with the CMU ARCTIC slt HTS voice: the natural-sounding voice of the spoken
#                       retrieval set and the WER set (`npm run eval:spoken-set`, `npm run eval:wer`)
#   sctk                NIST speech recognition scoring toolkit (sclite): word error rate for `npm run eval:wer`
#   openssl             self-signed certificates for the HTTPS listener tests (connector-ccai)
#   xandikos            a real CalDAV server for the @hub/calendars and callback booking tests
# Needs root (or sudo) and Debian's package repositories. Skips silently when everything is present.
set -euo pipefail
want=(chromium pocketsphinx pocketsphinx-en-us pocketsphinx-testdata espeak-ng festival festvox-us-slt-hts sox sctk openssl xandikos)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "[system-deps] all present: ${want[*]}"
  exit 0
fi
echo "[system-deps] installing: ${missing[*]}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
exec 9>/tmp/hub-apt.lock
flock 9
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "[system-deps] done"
