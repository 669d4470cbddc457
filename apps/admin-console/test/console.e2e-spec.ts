import type { Page } from 'playwright-core';
import { FakeAmazonConnect, api } from '@hub/testing';
import { ConsoleHarness, screenshot, seriousViolations } from './support/console-harness';

jest.setTimeout(180_000);

const CONNECT_KEY = 'AKIAE2ECONSOLEKEY0001';
const CONNECT_SECRET = 'e2e-console-connect-secret-01';

/**
 * The admin console in headless Chromium against the real router and orchestrator (and a local Amazon
 * Connect that verifies SigV4): sign-in, each page used the way an admin uses it, axe-core on every page,
 * screenshots for docs/console.md.
 */
describe('admin console (headless Chromium, real services)', () => {
  const h = new ConsoleHarness('console-co');
  const fake = new FakeAmazonConnect();
  let page: Page;

  beforeAll(async () => {
    await fake.start();
    fake.addKey(CONNECT_KEY, CONNECT_SECRET);
    await h.start();
  }, 240_000);

  afterAll(async () => {
    await page?.close();
    await h.stop();
    await fake.stop();
  }, 60_000);

  it('serves the app with a strict CSP, proxies only /v1 of known services, refuses a bad credential next to the field', async () => {
    const shell = await fetch(`${h.console.url}/integrations`);
    expect(shell.status).toBe(200);
    const csp = shell.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await shell.text()).toContain('<div id="root">');

    // the proxy forwards the caller's credential to the service and nothing outside /v1
    const viaProxy = await api(`${h.console.url}/api/router/v1/queues`, 'GET', undefined, h.headers());
    expect(viaProxy.status).toBe(200);
    expect(Array.isArray(viaProxy.body)).toBe(true);
    expect((await api(`${h.console.url}/api/router/v1/queues`, 'GET')).status).toBe(401);
    expect((await fetch(`${h.console.url}/api/router/metrics`)).status).toBe(404);
    expect((await fetch(`${h.console.url}/api/nope/v1/x`)).status).toBe(404);
    const down = await api(
      `${h.console.url}/api/suggestion/v1/knowledge-bases`,
      'GET',
      undefined,
      h.headers(),
    );
    expect(down.status).toBe(502);

    page = await h.browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${h.console.url}/`);
    await page.getByLabel('Credential').fill(`hub_live_000000000000_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The services rejected this credential').waitFor();
    // the error is the credential input's description (aria-describedby), i.e. next to the field
    const described = await page.getByLabel('Credential').getAttribute('aria-describedby');
    expect(described).toBeTruthy();
    expect(
      await page.locator(`[id="${described!.split(' ').find((id) => id.includes('error'))}"]`).innerText(),
    ).toContain('rejected');
    // a platform-admin key needs a tenant: checked before sending
    await page.getByLabel('Credential').fill('hub_admin_abc');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('A platform admin acts on one tenant').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    await page.close();
  });
});
