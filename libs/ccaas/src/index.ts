export * from './core/target';
export * from './vendors/index';
