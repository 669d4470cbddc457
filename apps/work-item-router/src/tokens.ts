/** DI token of the validated {@link RouterConfig}. */
export const ROUTER_CONFIG = Symbol('ROUTER_CONFIG');
