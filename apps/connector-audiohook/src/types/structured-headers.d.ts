// `structured-headers` ships its types under dist/ behind an `exports` map, which the workspace's
// `moduleResolution: node` does not read; point the bare specifier at them (types only).
declare module 'structured-headers' {
  export * from 'structured-headers/dist/index';
}
