'use strict';
/**
 * Piscina worker of the Moonshine provider: one {@link MoonshineModel} per worker thread (onnxruntime-node's `run`
 * blocks its thread for the whole inference, so it must not run on the service's event loop). The model source is
 * TypeScript, loaded through @swc-node/register exactly as the services load theirs (a worker thread does not get
 * the parent's test-runner transforms). Task: `{dir, threads, audio: Float32Array (16 kHz)}` → MoonshineResult.
 */
require('@swc-node/register');
const { MoonshineModel } = require('./moonshine-model.ts');

let model;
let modelKey;

module.exports = async function transcribe({ dir, threads, audio }) {
  const key = `${dir}\u0000${threads}`;
  if (!model || modelKey !== key) {
    model = new MoonshineModel({ dir, threads });
    modelKey = key;
  }
  return model.transcribe(audio);
};
