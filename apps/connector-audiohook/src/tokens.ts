/** DI tokens of connector-audiohook. */
export const AUDIOHOOK_CONFIG = Symbol('AUDIOHOOK_CONFIG');
export const AUDIOHOOK_METRICS = Symbol('AUDIOHOOK_METRICS');
export const NONCE_REDIS = Symbol('NONCE_REDIS');
