import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Browser, Frame, Page } from 'playwright-core';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, launchChromium, waitFor, type TestWorld } from '@hub/testing';
import { FakeSalesforce } from './support/fake-salesforce';
import {
  SuggestionPublisher,
  firstSentence,
  loadGuidelines,
  startGateway,
  type RunningGateway,
} from './support/harness';

jest.setTimeout(120_000);

/**
 * Seed 001 "Salesforce: send message / save summary": the widget inside a Lightning page talks to the
 * hubAssistPanel LWC over postMessage (origin-checked both ways). A host page plays the LWC (token exchange
 * result handed over, `sendTextMessage` recorded); "Save summary" goes through the gateway to a local
 * Salesforce speaking the REST API's record update wire format, with the exchanged token.
 */
const ORG = '00D5g000004XyZaEAK';
const USER = '0055g00000AbCdEAAV';
const OTHER_USER = '0055g00000XyXyXAAV';
const APP = { id: '3MVG9hub-assist-connected-app', secret: 'connected-app-secret-0123456789' };
const TOKEN = 'sf-00D5g000004XyZa!AQ0AQH-lwc-bridge-0001';
const SESSION = '0Mw5g000000AbCdCAK';
const FOREIGN_SESSION = '0Mw5g000000ZzZzCAK';

let world: TestWorld;
let gw: RunningGateway;
let sf: FakeSalesforce;
let publisher: SuggestionPublisher;
let host: Server;
let hostUrl: string;
let html = '';
/** Another page allowed to frame the widget (frame-ancestors), but not the widget's `hostOrigin`. */
let foreign: Server;
let foreignUrl: string;
let foreignHtml = '';
let browser: Browser;

beforeAll(async () => {
  world = await createTestWorld();
  host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(html);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  foreign = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(foreignHtml);
  });
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as { port: number }).port}`;
  gw = await startGateway(world, { WIDGET_FRAME_ANCESTORS: `${hostUrl} ${foreignUrl}` });
  sf = new FakeSalesforce(
    { [TOKEN]: { orgId: ORG, userId: USER, username: 'agent@acme.example', clientId: APP.id } },
    APP,
  );
  sf.fieldsOf['MessagingSession'] = ['Agent_Summary__c', 'Status'];
  sf.records.set(SESSION, { sobject: 'MessagingSession', ownerId: USER, fields: {} });
  sf.records.set(FOREIGN_SESSION, { sobject: 'MessagingSession', ownerId: OTHER_USER, fields: {} });
  await sf.start();
  await withIntegrationStore(world.databaseUrl, world.env, (store) =>
    store.create('acme', {
      id: randomUUID(),
      type: 'salesforce_identity',
      name: 'Salesforce',
      config: {
        myDomainUrl: sf.url,
        orgId: ORG,
        clientId: APP.id,
        summaryField: 'Agent_Summary__c',
        allowInsecureHttp: true,
      },
      secrets: { clientSecret: APP.secret },
      enabled: true,
    }),
  );
  publisher = new SuggestionPublisher(world);
  await publisher.connect();
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await publisher?.close();
  await gw?.app.close();
  await sf?.stop();
  await new Promise((r) => host?.close(r));
  await new Promise((r) => foreign?.close(r));
  await world?.drop();
});

/** The token exchange as the LWC's Apex controller does it. */
async function exchange(interactionId: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/auth/salesforce/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: 'acme', accessToken: TOKEN, interactionId }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/**
 * The hubAssistPanel stand-in: frames the widget like the LWC, answers `ready` with the session token and
 * `sendMessage` like the Conversation Toolkit API (recorded in window.sent; `failNext` makes one fail).
 */
function lwcHost(widgetOrigin: string, recordId: string, sessionToken: string): string {
  const widgetSrc = `${widgetOrigin}/widget/?provider=salesforce&hostOrigin=${encodeURIComponent(hostUrl)}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Lightning</title></head><body>
<iframe id="assist" class="hub-assist-frame" title="Agent Assist" src="${widgetSrc}" width="400" height="700"></iframe>
<script>
  var frame = document.getElementById('assist');
  window.sent = []; window.failNext = false; window.readyCount = 0;
  function post(m) { frame.contentWindow.postMessage(m, ${JSON.stringify(widgetOrigin)}); }
  window.addEventListener('message', function (ev) {
    if (ev.origin !== ${JSON.stringify(widgetOrigin)} || ev.source !== frame.contentWindow) return;
    var m = ev.data || {};
    if (m.type === 'hub.assist.salesforce.ready') { window.readyCount++; post({ type: 'hub.assist.salesforce.session', token: ${JSON.stringify(sessionToken)} }); }
    if (m.type === 'hub.assist.salesforce.sendMessage') {
      var fail = window.failNext; window.failNext = false;
      if (!fail) window.sent.push({ recordId: ${JSON.stringify(recordId)}, text: m.text, requestId: m.requestId });
      post(fail ? { type: 'hub.assist.salesforce.result', requestId: m.requestId, ok: false, error: 'The conversation has ended.' }
                : { type: 'hub.assist.salesforce.result', requestId: m.requestId, ok: true });
    }
  });
</script></body></html>`;
}

async function openLightning(recordId: string): Promise<{ page: Page; widget: Frame }> {
  html = lwcHost(gw.url, recordId, await exchange(recordId));
  const page = await browser.newPage();
  await page.goto(`${hostUrl}/`);
  const widget = (await (await page.waitForSelector('#assist')).contentFrame())!;
  await widget.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });
  return { page, widget };
}

describe('Salesforce LWC bridge (headless Chromium)', () => {
  it('the widget gets its session from the LWC; "Send to customer" goes through the LWC, "Save summary" updates the record', async () => {
    const { page, widget } = await openLightning(SESSION);
    expect(await widget.textContent('#status')).toContain(`Connected as ${USER} (acme)`);
    expect(await widget.getAttribute('#interaction', 'data-interaction-id')).toBe(SESSION);
    expect(await page.evaluate(() => (window as unknown as { readyCount: number }).readyCount)).toBe(1);
    expect(await widget.isVisible('#summary-form')).toBe(true);

    const [doc] = loadGuidelines(1);
    const answer = firstSentence(doc.text);
    const id = await publisher.publish('acme', SESSION, answer, [{ documentId: doc.id, title: doc.title }]);
    const button = await widget.waitForSelector(`li[data-suggestion-id="${id}"] button.send-message`, {
      timeout: 30_000,
    });
    // the first attempt fails in Salesforce (shown, retryable), the second is sent
    await page.evaluate(() => ((window as unknown as { failNext: boolean }).failNext = true));
    await button.click();
    await widget.waitForSelector('#action-status[data-last="vendor_error"]');
    expect(await widget.textContent('#action-status')).toContain('The conversation has ended.');
    await button.click();
    await widget.waitForSelector(`li[data-suggestion-id="${id}"] button[data-sent="true"]`);
    const sent = await page.evaluate(
      () => (window as unknown as { sent: { recordId: string; text: string }[] }).sent,
    );
    expect(sent).toEqual([{ recordId: SESSION, text: answer, requestId: expect.any(String) }]);
    // the gateway never sent a message itself
    expect(sf.updates.length).toBe(0);

    const notes = 'Customer asked about the refund policy; explained the 30-day window.';
    await widget.fill('#summary-notes', notes);
    await widget.click('#save-summary');
    await widget.waitForSelector('#action-status[data-last="ok"]', { timeout: 30_000 });
    expect(sf.records.get(SESSION)!.fields).toEqual({ Agent_Summary__c: notes });
    const update = sf.updates.at(-1)!;
    expect(update).toMatchObject({
      path: `/services/data/v62.0/sobjects/MessagingSession/${SESSION}`,
      token: TOKEN,
      contentType: 'application/json',
    });
    expect(JSON.parse(update.body)).toEqual({ Agent_Summary__c: notes });
    await page.close();
  });

  it('a record the user may not edit is refused by Salesforce and shown as forbidden', async () => {
    const { page, widget } = await openLightning(FOREIGN_SESSION);
    await widget.fill('#summary-notes', 'Not my conversation.');
    await widget.click('#save-summary');
    await widget.waitForSelector('#action-status[data-last="forbidden"]', { timeout: 30_000 });
    expect(await widget.textContent('#action-status')).toContain('INSUFFICIENT_ACCESS_OR_READONLY');
    expect(sf.records.get(FOREIGN_SESSION)!.fields).toEqual({});
    await page.close();
  });

  it('messages from another origin than hostOrigin are ignored: no session from a foreign page', async () => {
    const token = await exchange(SESSION);
    // the widget is told its host is hostUrl, but is framed by another (allowed) page that hands it a token
    const src = `${gw.url}/widget/?provider=salesforce&hostOrigin=${encodeURIComponent(hostUrl)}`;
    foreignHtml = `<!doctype html><html><body><iframe id="assist" src="${src}"></iframe>
<script>
  var frame = document.getElementById('assist');
  window.addEventListener('message', function (ev) {
    if (ev.data && ev.data.type === 'hub.assist.salesforce.ready') window.gotReady = true;
  });
  frame.addEventListener('load', function () {
    frame.contentWindow.postMessage({ type: 'hub.assist.salesforce.session', token: ${JSON.stringify(token)} }, '*');
  });
</script></body></html>`;
    const page = await browser.newPage();
    await page.goto(`${foreignUrl}/`);
    const widget = (await (await page.waitForSelector('#assist')).contentFrame())!;
    await waitFor(
      async () => ((await widget.getAttribute('body', 'data-salesforce-refused')) ? true : undefined),
      { timeoutMs: 10_000, what: 'the refused message' },
    );
    expect(await widget.getAttribute('body', 'data-salesforce-refused')).toBe(foreignUrl);
    expect(await widget.getAttribute('body', 'data-state')).not.toBe('connected');
    // the widget's "ready" went to hostOrigin only: the foreign page never saw it
    expect(await page.evaluate(() => (window as unknown as { gotReady?: boolean }).gotReady)).toBeUndefined();
    await page.close();
  });
});
