export * from './embedding-model';
export * from './onnx-sentence-embedder';
export * from './concatenated-embedding-model';
