/**
 * Jest environment for suites that run ONNX Runtime: Jest evaluates tests in a separate V8 context whose typed
 * array constructors differ from Node's, and onnxruntime-node's `instanceof Float32Array` checks on its output
 * tensors then fail. Sharing the host's typed array constructors (and ArrayBuffer) fixes that.
 */
const { TestEnvironment } = require('jest-environment-node');

class OnnxJestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'ArrayBuffer',
      'Float32Array',
      'Float64Array',
      'Int8Array',
      'Int16Array',
      'Int32Array',
      'Uint8Array',
      'Uint16Array',
      'Uint32Array',
      'Uint8ClampedArray',
      'BigInt64Array',
      'BigUint64Array',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = OnnxJestEnvironment;
