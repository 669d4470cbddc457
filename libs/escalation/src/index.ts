export * from './decide';
export * from './detectors/prototype-detector';
export * from './detectors/prototypes';
export * from './detectors/scope-detector';
export * from './detectors/softmax-regression';
export * from './eval/metrics';
export * from './rules/rules';
export * from './detectors/scope-detector-store';
