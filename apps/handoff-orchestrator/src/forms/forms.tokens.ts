/** Injection token of {@link FormsOptions}. */
export const FORMS_OPTIONS = Symbol('FORMS_OPTIONS');

/** Configuration of the forms feature (FORM_* / FORMS_* variables, docs/forms.md). */
export interface FormsOptions {
  /** Origin the hub-hosted page is reachable at (`https://forms.example.com`); unset → the API request's origin. */
  publicBaseUrl?: string;
  /** Form page requests per client IP per minute (GET and POST of `/forms/{token}`). */
  pageRateLimitPerMinute: number;
  /** Submit attempts per link per 10 minutes (invalid submissions count too). */
  submitAttemptsPerLink: number;
  /** Webhook delivery: scan interval, POST timeout, attempts, first retry delay (ms; the CALLBACK_* values). */
  pollMs: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
}
