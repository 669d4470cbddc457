import type { Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { FakeAmazonConnect, api, waitFor } from '@hub/testing';
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
    // local webhook receivers in tests: plain http to loopback allowed, as the test world does for other outbound URLs
    await h.start({ HANDOFF_CALLBACK_ALLOW_HTTP: 'true', HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true' });
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

  /** A label matcher that ignores Mantine's required asterisk (`Name *`). */
  const lbl = (label: string) => new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s*\\*)?$`);

  /** Picks `option` in the Mantine Select labelled `label` (inside `scope`, default the page). */
  async function pick(scope: Page | ReturnType<Page['locator']>, label: string, option: string) {
    await scope.getByLabel(lbl(label)).first().click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  /** The error text attached to the input labelled `label` (Mantine: aria-describedby → …-error). */
  async function fieldError(scope: Page | ReturnType<Page['locator']>, label: string): Promise<string> {
    const input = scope.getByLabel(lbl(label)).first();
    await waitFor(async () => (await input.getAttribute('aria-invalid')) === 'true', {
      what: `${label} marked invalid`,
      timeoutMs: 10_000,
    });
    const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(' ');
    const errorId = ids.find((id) => id.endsWith('-error'));
    if (!errorId) throw new Error(`${label} has no error element`);
    return page.locator(`[id="${errorId}"]`).innerText();
  }

  const integrations = async () =>
    (await api(`${h.orchestrator.url}/v1/integrations`, 'GET', undefined, h.headers())).body as unknown as {
      id: string;
      name: string;
      config: Record<string, unknown>;
      secretFields: string[];
    }[];

  it('Integrations: add Amazon Connect (validated before sending, secrets write-only), Test Connection, map a queue from the platform list', async () => {
    page = await h.signedInPage('/integrations');
    await page.getByText('No integrations yet').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Add integration' }).first().click();
    const dialog = page.getByRole('dialog');
    await pick(dialog, 'Type', 'Amazon Connect');
    await dialog.getByLabel(lbl('Name')).fill('Connect prod');
    await dialog.getByLabel(lbl('Instance ID')).fill('not-a-uuid');
    await dialog.getByLabel(lbl('Region')).fill(fake.region);
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    // the type's own schema refused it in the browser: error next to the field, nothing sent
    expect(await fieldError(dialog, 'Instance ID')).toMatch(/uuid/i);
    expect(await fieldError(dialog, 'Default contact flow ID')).toBeTruthy();
    expect(await integrations()).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);

    await dialog.getByLabel(lbl('Instance ID')).fill(fake.instanceId);
    await dialog.getByLabel(lbl('Default contact flow ID')).fill(fake.defaultFlowId);
    await dialog.getByLabel(lbl('Endpoint')).fill(fake.url);
    await dialog.getByLabel(lbl('Access key ID')).fill(CONNECT_KEY);
    await dialog.getByLabel(lbl('Secret access key')).fill(CONNECT_SECRET);
    await screenshot(page, 'integration-add');
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const [created] = await waitFor(
      async () => ((await integrations()).length === 1 ? integrations() : null),
      {
        what: 'the integration',
      },
    );
    expect(created).toMatchObject({
      name: 'Connect prod',
      config: { instanceId: fake.instanceId, endpoint: fake.url },
    });
    expect(created.secretFields.sort()).toEqual(['accessKeyId', 'secretAccessKey']);
    expect(JSON.stringify(created)).not.toContain(CONNECT_SECRET);

    // Test Connection: every step of the adapter shown
    const panel = page.getByTestId('test-connection').filter({ visible: true });
    await panel.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection works').waitFor();
    const steps = await panel
      .locator('[data-step]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-ok')]));
    expect(steps).toEqual(
      expect.arrayContaining([
        ['credentials', 'true'],
        ['queues', 'true'],
      ]),
    );

    // queue mapping: the choices are the platform's queues (GET /v1/integrations/{id}/queues)
    const mappings = page.getByTestId('mappings').filter({ visible: true });
    await mappings
      .getByRole('region', { name: 'Queue mappings' })
      .getByRole('button', { name: 'Add rule' })
      .click();
    await mappings.getByLabel('Queue mappings 1 value').fill('billing');
    await mappings.getByLabel('Queue mappings 1 target').click();
    const options = await page.getByRole('option').allInnerTexts();
    expect(options.sort()).toEqual(fake.queues.map((q) => q.Name).sort());
    await page.getByRole('option', { name: 'Billing', exact: true }).click();
    await mappings.getByRole('button', { name: 'Save mappings' }).click();
    await mappings.getByText('Mappings saved').waitFor();
    const [mapped] = await integrations();
    expect(mapped.config['queueMappings']).toEqual([{ intent: 'billing', queueId: fake.queues[0].Id }]);
    expect(mapped.secretFields.sort()).toEqual(['accessKeyId', 'secretAccessKey']); // secrets kept
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'integrations');
  });

  it("Integrations: Test Connection names the failing step; the API's field error shows next to the field", async () => {
    const bad = await api(
      `${h.orchestrator.url}/v1/integrations`,
      'POST',
      {
        type: 'amazon_connect',
        name: 'Connect wrong key',
        config: {
          instanceId: fake.instanceId,
          region: fake.region,
          defaultContactFlowId: fake.defaultFlowId,
          endpoint: fake.url,
        },
        secrets: { accessKeyId: CONNECT_KEY, secretAccessKey: 'not-the-right-secret-000' },
      },
      h.headers(),
    );
    expect(bad.status).toBe(201);
    const expected = (
      await api(`${h.orchestrator.url}/v1/integrations/${bad.body.id}/test`, 'POST', undefined, h.headers())
    ).body as { ok: boolean; failedStep: string };
    expect(expected.ok).toBe(false);

    await page.reload();
    await page.getByRole('button', { name: /Connect wrong key/ }).click();
    const panel = page.getByTestId('test-connection').filter({ visible: true });
    await panel.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(`Failed at step “${expected.failedStep}”`).waitFor();
    expect(await panel.locator(`[data-step="${expected.failedStep}"][data-ok="false"]`).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'integration-test-failed');

    // internal integration whose default queue is not a queue of this tenant: 422 naming config.defaultQueueId
    await page.getByRole('button', { name: 'Add integration' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(lbl('Name')).fill('Agent Desktop');
    await dialog.getByLabel(lbl('Default queue ID')).fill(randomUUID());
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    expect(await fieldError(dialog, 'Default queue ID')).toMatch(/queue/i);
    expect((await integrations()).map((i) => i.name)).not.toContain('Agent Desktop');
    await dialog.getByLabel(lbl('Default queue ID')).fill('');
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await integrations()).map((i) => i.name)).toContain('Agent Desktop');

    // every integration type can be added, e.g. the SMS provider of callback reminders (its own refinement —
    // exactly one of from / messaging service — shown on the field, the auth token write-only)
    const SMS_TOKEN = 'twilio-auth-token-0123456789';
    await page.getByRole('button', { name: 'Add integration' }).first().click();
    const sms = page.getByRole('dialog');
    await pick(sms, 'Type', 'SMS: Twilio (callback reminders)');
    await sms.getByLabel(lbl('Name')).fill('Reminders');
    await sms.getByLabel(lbl('Account SID')).fill(`AC${'0a'.repeat(16)}`);
    await sms.getByLabel(lbl('Auth token')).fill(SMS_TOKEN);
    await sms.getByRole('button', { name: 'Create integration' }).click();
    expect(await fieldError(sms, 'From')).toMatch(/exactly one/);
    await sms.getByLabel(lbl('From')).fill('+14155550100');
    await sms.getByRole('button', { name: 'Create integration' }).click();
    await sms.waitFor({ state: 'hidden' });
    const reminders = (await integrations()).find((i) => i.name === 'Reminders');
    expect(reminders).toMatchObject({ config: { from: '+14155550100' }, secretFields: ['authToken'] });
    expect(JSON.stringify(reminders)).not.toContain(SMS_TOKEN);
  });

  it('Queues, agents, teams: create a queue and an agent with capacity per channel, see presence and load live, set business hours', async () => {
    await page.goto(`${h.console.url}/routing`);
    await page.getByRole('tab', { name: 'Queues' }).waitFor();
    // a new tenant already has its default queue (router)
    const queueForm = page.getByRole('form', { name: 'New queue' });
    await queueForm.getByLabel(lbl('Offer timeout (s)')).fill('0');
    await queueForm.getByLabel(lbl('Queue name')).fill('Returns');
    await queueForm.getByRole('button', { name: 'Create queue' }).click();
    expect(await fieldError(queueForm, 'Offer timeout (s)')).toMatch(/seconds|least|1/i);
    await queueForm.getByLabel(lbl('Offer timeout (s)')).fill('45');
    await queueForm.getByRole('button', { name: 'Create queue' }).click();
    await page.getByTestId('queue-table').getByText('Returns').waitFor();
    const queues = (await api(`${h.router.url}/v1/queues`, 'GET', undefined, h.headers()))
      .body as unknown as {
      id: string;
      name: string;
      offerTimeoutSeconds: number;
    }[];
    expect(queues).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Returns', offerTimeoutSeconds: 45 })]),
    );
    const returns = queues.find((q) => q.name === 'Returns')!;

    await page.getByRole('tab', { name: 'Agents (live)' }).click();
    const agentForm = page.getByRole('form', { name: 'New agent' });
    await agentForm.getByLabel(lbl('Agent id')).fill('agent-ada');
    await agentForm.getByLabel(lbl('Display name')).fill('Ada Lovelace');
    await agentForm.getByLabel(lbl('Queues')).click();
    await page.getByRole('option', { name: 'Returns' }).click();
    await agentForm.getByLabel(lbl('Chat capacity')).fill('4');
    await agentForm.getByLabel(lbl('Call capacity')).fill('0');
    await agentForm.getByLabel('Auto-accept offers').check();
    await agentForm.getByRole('button', { name: 'Create agent' }).click();
    const row = page.locator('[data-agent="agent-ada"]');
    await row.waitFor();
    expect((await row.getByTestId('presence').innerText()).toLowerCase()).toBe('offline');
    const agent = (await api(`${h.router.url}/v1/agents/agent-ada`, 'GET', undefined, h.headers())).body;
    expect(agent).toMatchObject({
      capacity: { chat: 4, call: 0 },
      autoAccept: true,
      queueIds: [returns.id],
    });
    // live: the agent goes online elsewhere (the Agent Desktop); the table follows without a reload
    const online = await api(
      `${h.router.url}/v1/agents/agent-ada/presence`,
      'PUT',
      { presence: 'online' },
      h.headers(),
    );
    expect(online.status).toBe(200);
    await waitFor(async () => (await row.getByTestId('presence').innerText()).toLowerCase() === 'online', {
      what: 'the live presence',
      timeoutMs: 15_000,
    });
    expect(await row.innerText()).toContain('chat 0/4');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'agents');

    await page.getByRole('tab', { name: 'Hours and callbacks' }).click();
    await pick(page, 'Queue', 'Returns');
    await page.getByLabel(lbl('Time zone')).fill('Europe/Berlin');
    await page
      .getByRole('group', { name: 'Opening hours' })
      .getByRole('button', { name: 'Mon–Fri 09–17' })
      .click();
    await page.getByLabel('Opening hours 1 end').fill('25:00');
    await page.getByRole('button', { name: 'Save business hours' }).click();
    expect(await fieldError(page, 'Opening hours 1 end')).toMatch(/HH:mm/);
    await page.getByLabel('Opening hours 1 end').fill('18:00');
    await page.getByRole('button', { name: 'Save business hours' }).click();
    await waitFor(
      async () =>
        ((await api(`${h.router.url}/v1/queues/${returns.id}/business-hours`, 'GET', undefined, h.headers()))
          .body.revision as number) === 1,
      { what: 'business hours stored' },
    );
    const bh = (
      await api(`${h.router.url}/v1/queues/${returns.id}/business-hours`, 'GET', undefined, h.headers())
    ).body as { schedule: { timeZone: string; weekly: unknown[] } };
    expect(bh.schedule.timeZone).toBe('Europe/Berlin');
    expect(bh.schedule.weekly).toHaveLength(5);
    expect(bh.schedule.weekly[0]).toEqual({ day: 1, start: '09:00', end: '18:00' });

    // the queue's callback team (orchestrator, Settings › Teams): saved and read back through the API
    await page.getByLabel('Team time zone').fill('Europe/Berlin');
    await page.getByLabel('Team e-mail (confirmations)').fill('returns-team@example.com');
    await page
      .getByRole('group', { name: 'Callback hours' })
      .getByRole('button', { name: 'Mon–Fri 09–17' })
      .click();
    await page.getByRole('button', { name: 'Save callback settings' }).click();
    await page.getByText('Callback settings saved').waitFor();
    const team = await api(
      `${h.orchestrator.url}/v1/callbacks/teams/${returns.id}`,
      'GET',
      undefined,
      h.headers(),
    );
    expect(team.status).toBe(200);
    expect(team.body.zone).toBe('Europe/Berlin');
    expect(team.body.agentEmail).toBe('returns-team@example.com');
    expect(team.body.weeklyHours).toHaveLength(5);
    expect(team.body.members).toEqual([]);

    // a date override set through the API (not edited on this page) survives the console's next save
    const override = { date: '2031-12-24', closed: true };
    const withOverride = await api(
      `${h.orchestrator.url}/v1/callbacks/teams/${returns.id}`,
      'PUT',
      { ...team.body, queueId: undefined, overrides: [override] },
      h.headers(),
    );
    expect(withOverride.status).toBe(200);
    await page.reload();
    await page.getByRole('tab', { name: 'Hours and callbacks' }).click();
    await pick(page, 'Queue', 'Returns');
    // members: the queue's agent joins the team with an e-mail of her own, checked before sending
    await pick(page, 'Add member', 'Ada Lovelace');
    const member = page.getByTestId('callback-member');
    await member.waitFor();
    await page.getByLabel('E-mail of Ada Lovelace').fill('ada@');
    await page.getByRole('button', { name: 'Save callback settings' }).click();
    expect(await fieldError(page, 'E-mail of Ada Lovelace')).toMatch(/e-mail/i);
    await page.getByLabel('E-mail of Ada Lovelace').fill('ada@example.com');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save callback settings' }).click();
    await page.getByText('Callback settings saved').waitFor();
    const withMember = (
      await api(`${h.orchestrator.url}/v1/callbacks/teams/${returns.id}`, 'GET', undefined, h.headers())
    ).body;
    expect(withMember.members).toEqual([{ agentId: 'agent-ada', email: 'ada@example.com' }]);
    expect(withMember.overrides).toEqual([expect.objectContaining(override)]);
    expect(withMember.agentEmail).toBe('returns-team@example.com');
    await screenshot(page, 'callback-team');
    // and leaves it again
    await page.getByRole('button', { name: 'Remove Ada Lovelace from the callback team' }).click();
    await page.getByRole('button', { name: 'Save callback settings' }).click();
    await waitFor(
      async () =>
        (
          (await api(`${h.orchestrator.url}/v1/callbacks/teams/${returns.id}`, 'GET', undefined, h.headers()))
            .body.members as unknown[]
        ).length === 0,
      { what: 'the member removed' },
    );
  });

  it('Escalation policy: thresholds validated before sending, a keyword rule and a template stored, a form template checked before sending', async () => {
    await page.goto(`${h.console.url}/escalation`);
    await page.getByRole('tab', { name: 'Detectors' }).waitFor();
    await page.getByLabel('complaint threshold').fill('5');
    await page.getByRole('button', { name: 'Save policy' }).click();
    expect(await fieldError(page, 'complaint threshold')).toMatch(/1/);
    await page.getByLabel('complaint threshold').fill('0.42');
    await page.getByLabel('legal_advice enabled').uncheck();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'escalation-detectors');

    await page.getByRole('tab', { name: 'Rules' }).click();
    await page.getByRole('button', { name: 'Add keyword rule' }).click();
    await page.getByLabel(lbl('Keywords or phrases (comma-separated)')).fill('chargeback, lawyer');
    await pick(page, 'Category', 'legal');
    await pick(page, 'Forced path', 'live agent');

    await page.getByRole('tab', { name: 'Paths and messages' }).click();
    await page.getByLabel(lbl('Offer line (paths offered)')).fill('Pick one, {{customerName}} {{nope}}');
    await page.getByRole('button', { name: 'Save policy' }).click();
    expect(await fieldError(page, 'Offer line (paths offered)')).toContain('unknown placeholder {{nope}}');
    await page.getByLabel(lbl('Offer line (paths offered)')).fill('Pick what suits you, {{customerName}}.');
    await pick(page, 'Live agent queue', 'Returns');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText(/Saved \(revision 1\)/).waitFor();
    const stored = (await api(`${h.orchestrator.url}/v1/escalation/config`, 'GET', undefined, h.headers()))
      .body as {
      revision: number;
      config: {
        detectors: Record<string, { enabled: boolean; threshold?: number }>;
        rules: { kind: string; keywords: string[]; category: string; path: string }[];
        templates: { offerMessage: string };
        paths: { live_agent: { queueId: string } };
      };
    };
    expect(stored.revision).toBe(1);
    expect(stored.config.detectors['complaint']).toMatchObject({ threshold: 0.42 });
    expect(stored.config.detectors['legal_advice']).toMatchObject({ enabled: false });
    expect(stored.config.rules).toEqual([
      expect.objectContaining({
        kind: 'keyword',
        keywords: ['chargeback', 'lawyer'],
        category: 'legal',
        path: 'live_agent',
      }),
    ]);
    expect(stored.config.templates.offerMessage).toBe('Pick what suits you, {{customerName}}.');
    expect(stored.config.paths.live_agent.queueId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'escalation-paths');

    await page.getByRole('tab', { name: 'Form templates' }).click();
    await page.getByRole('button', { name: 'New form template' }).click();
    const form = page.getByRole('form', { name: 'Form template' });
    await form.getByLabel(lbl('Name (slug)')).fill('Address Change');
    await form.getByLabel(lbl('Title')).fill('Change your address');
    await form.getByLabel(lbl('Webhook URL (submissions, signed)')).fill('http://127.0.0.1:9/forms');
    await form.getByRole('button', { name: 'Save template' }).click();
    expect(await fieldError(form, 'Name (slug)')).toMatch(/lower-case/);
    expect(await seriousViolations(page)).toEqual([]);
    await form.getByLabel(lbl('Name (slug)')).fill('address-change');
    // corrected, it is stored
    await form.getByLabel(lbl('Webhook URL (submissions, signed)')).fill('http://127.0.0.1:9/forms');
    await form.getByRole('button', { name: 'Save template' }).click();
    const templates = await waitFor(
      async () => {
        const r = await api(`${h.orchestrator.url}/v1/forms/templates`, 'GET', undefined, h.headers());
        const items = (r.body.items ?? []) as { name: string; title: string }[];
        return items.find((t) => t.name === 'address-change') ?? null;
      },
      { what: 'the form template stored', timeoutMs: 30_000 },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; the form shows: ${await form.innerText()}`);
    });
    expect(templates.title).toBe('Change your address');
  });

  it('Handoff report: seeded handoffs as figures, charts and a table; filters validated; CSV export', async () => {
    const queues = (await api(`${h.router.url}/v1/queues`, 'GET', undefined, h.headers()))
      .body as unknown as { id: string }[];
    const internal = (await integrations()).find((i) => i.name === 'Agent Desktop')!;
    const intents = ['billing_refund', 'billing_refund', 'order_status', 'change_address', 'billing_refund'];
    for (const [n, intent] of intents.entries()) {
      const r = await api(
        `${h.orchestrator.url}/v1/handoffs`,
        'POST',
        {
          integrationId: internal.id,
          botSessionId: `bs-${n}-${randomUUID().slice(0, 6)}`,
          conversationId: `conv-${n}-${randomUUID().slice(0, 6)}`,
          channel: 'web',
          transcript: [
            {
              role: 'user',
              text: 'I was charged twice and I want a refund.',
              timestamp: new Date().toISOString(),
            },
            {
              role: 'bot',
              text: 'Let me connect you with a colleague.',
              timestamp: new Date().toISOString(),
            },
          ],
          intent,
          routing: { queue_id: queues[0].id },
        },
        h.headers(),
      );
      expect([200, 201, 202]).toContain(r.status);
    }
    const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const expected = await waitFor(
      async () => {
        const r = await api(
          `${h.orchestrator.url}/v1/reports/handoffs?from=${from}&to=${to}&groupBy=intent`,
          'GET',
          undefined,
          h.headers(),
        );
        return (r.body.handoffs as number) >= intents.length ? r.body : null;
      },
      { what: 'the handoffs in the report', timeoutMs: 30_000 },
    );

    await page.goto(`${h.console.url}/reports/handoffs`);
    await page.getByTestId('stat-Handoffs').waitFor();
    expect(await page.getByTestId('stat-Handoffs').innerText()).toBe(String(expected.handoffs));
    expect(await page.locator('svg.recharts-surface').count()).toBeGreaterThanOrEqual(4);

    // a window the API would refuse is refused before sending
    await page.getByLabel(lbl('To (inclusive)')).fill('2020-01-01');
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await fieldError(page, 'To (inclusive)')).toBe('must be after from');
    await page.getByLabel(lbl('To (inclusive)')).fill(new Date().toISOString().slice(0, 10));
    await pick(page, 'Group by', 'intent');
    await page.getByRole('button', { name: 'Apply' }).click();
    const table = page.getByTestId('report-groups');
    await table.getByText('order_status').waitFor();
    const billingRow = table.getByRole('row').filter({ hasText: 'billing_refund' });
    expect(await billingRow.getByRole('cell').nth(1).innerText()).toBe('3');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'handoff-report');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^handoffs-.*-by-intent\.csv$/);
    const csv = await (await download.createReadStream()).toArray();
    const text = Buffer.concat(csv as Buffer[]).toString('utf8');
    expect(text.split('\n')[0]).toContain(',');
    expect(text).toContain('billing_refund');
  });
});
