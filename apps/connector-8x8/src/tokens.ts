/** DI token of the validated {@link Connector8x8Config}. */
export const CONNECTOR_CONFIG = Symbol('CONNECTOR_8X8_CONFIG');
/** DI token of {@link Connector8x8Metrics}. */
export const CONNECTOR_METRICS = Symbol('CONNECTOR_8X8_METRICS');
