/** DI token of the validated {@link ConnectorCcaiConfig}. */
export const CCAI_CONFIG = Symbol('CCAI_CONFIG');
/** DI token of the {@link OidcVerifier}. */
export const OIDC_VERIFIER = Symbol('OIDC_VERIFIER');
/** DI token of the {@link PubSubAdmin} implementation. */
export const PUBSUB_ADMIN = Symbol('PUBSUB_ADMIN');
/** DI token of {@link ConnectorCcaiMetrics}. */
export const CCAI_METRICS = Symbol('CCAI_METRICS');
