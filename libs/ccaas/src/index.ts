export * from './core/target';
export * from './vendors/index';
export * from './vendors/amazon-connect/index';
