/** DI tokens of the assist gateway. */
export const ASSIST_CONFIG = Symbol('ASSIST_CONFIG');
/** The {@link WidgetTokenService}. */
export const WIDGET_TOKENS = Symbol('WIDGET_TOKENS');
/** The {@link IssuerAuthenticator}. */
export const ISSUER_AUTH = Symbol('ISSUER_AUTH');
