export * from './embedding-model';
export * from './onnx-sentence-embedder';
