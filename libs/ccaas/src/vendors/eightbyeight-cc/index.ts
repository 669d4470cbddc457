export * from './eightbyeight-cc.client';
export * from './eightbyeight-cc.mapper';
export * from './eightbyeight-cc.adapter';
export * from './eightbyeight-cc.receiver';
