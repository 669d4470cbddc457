/**
 * Jest setup (jest.preset.js `setupFilesAfterEnv`): every test of an integration or e2e spec
 * (`*.integration-spec.ts`, `*.e2e-spec.ts` — real PostgreSQL, Redis, Kafka, Chromium, child processes on a
 * shared 2-core machine) gets one retry when it fails (`HUB_TEST_RETRIES`, default 1; 0 turns it off).
 * Unit specs never retry. A retried test's first failure is printed in full (`RETRY 1` heading) and
 * tools/test/summary.sh counts it in the run's closing line, so a flaky test stays visible; a test that
 * fails twice fails the run.
 */
const testPath = expect.getState().testPath ?? '';
const retries = Number(process.env.HUB_TEST_RETRIES ?? 1);
if (retries > 0 && /\.(integration|e2e)-spec\.ts$/.test(testPath)) {
  jest.retryTimes(retries, { logErrorsBeforeRetry: true });
}
