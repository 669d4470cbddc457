/** DI token of the validated {@link RouterConfig}. */
/** Injection token of the validated router config (`RouterConfig`). */
export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
