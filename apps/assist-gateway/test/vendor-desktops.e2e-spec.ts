import { createServer, type Server } from 'node:http';
import type { Browser, Frame, Page } from 'playwright-core';
import { KafkaProbe, createTestWorld, launchChromium, waitFor, type TestWorld } from '@hub/testing';
import { mintToken, startGateway, type RunningGateway } from './support/harness';

jest.setTimeout(120_000);

/**
 * Five9 ADT and 8x8 Agent Workspace adapters of the widget page, in headless Chromium: a host page on
 * another origin plays the vendor desktop (the Five9 ADT bridge; 8x8's Platform UI Shell speaking the
 * `@8x8/pui-partner-comm` port protocol) and frames the real widget served by the gateway.
 */
let world: TestWorld;
let gw: RunningGateway;
let host: Server;
let hostUrl: string;
let html = '';
let browser: Browser;
let probe: KafkaProbe;

interface ConversationEvent {
  tenantId: string;
  data: {
    kind: string;
    interactionId: string;
    speaker?: string;
    text?: string;
    utteranceId?: string;
    provider?: string;
  };
}
const events = () =>
  probe.on(`${world.kafkaNamespace}hub.conversation.events.v1`).map((m) => m.json() as ConversationEvent);

beforeAll(async () => {
  world = await createTestWorld();
  host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(html);
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  gw = await startGateway(world, { WIDGET_FRAME_ANCESTORS: hostUrl });
  probe = new KafkaProbe();
  await probe.start([`${world.kafkaNamespace}hub.conversation.events.v1`]);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await probe?.stop();
  await gw?.app.close();
  await new Promise((r) => host?.close(r));
  await world?.drop();
});

async function open(widgetUrl: string, hostScript: string): Promise<{ page: Page; widget: Frame }> {
  html = `<!doctype html><html><head><meta charset="utf-8"><title>Vendor desktop</title></head><body>
<iframe id="assist" title="Agent Assist" src="${widgetUrl}" width="400" height="600"></iframe>
<script>${hostScript}</script></body></html>`;
  const page = await browser.newPage();
  await page.goto(`${hostUrl}/`);
  const handle = await page.waitForSelector('#assist');
  const widget = (await handle.contentFrame())!;
  return { page, widget };
}

/** The Five9 ADT stand-in: answers getSessionContext / subscribe and emits onChatEvent on request. */
function five9Host(widgetOrigin: string, ctx: { agentId: string; interactionId: string }): string {
  return `
  var frame = document.getElementById('assist');
  window.requests = [];
  window.addEventListener('message', function (ev) {
    if (ev.origin !== ${JSON.stringify(widgetOrigin)} || ev.source !== frame.contentWindow) return;
    var m = ev.data;
    if (!m || m.type !== 'five9.adt.request') return;
    window.requests.push(m);
    var result = m.method === 'getSessionContext'
      ? { agentId: ${JSON.stringify(ctx.agentId)}, interactionId: ${JSON.stringify(ctx.interactionId)}, interactionType: 'CHAT' }
      : { subscribed: m.params.events };
    frame.contentWindow.postMessage({ type: 'five9.adt.response', requestId: m.requestId, result: result }, ${JSON.stringify(widgetOrigin)});
  });
  window.emitChat = function (data) {
    frame.contentWindow.postMessage({ type: 'five9.adt.event', event: 'onChatEvent', data: data }, ${JSON.stringify(widgetOrigin)});
  };`;
}

describe('Five9 ADT adapter', () => {
  it('the session context selects the chat; its onChatEvent lines reach Agent Assist, other chats do not', async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: 'five9',
      ctx: { callId: 'chat-5001', agentId: '4711' },
    });
    const { page, widget } = await open(
      `${gw.url}/widget/?provider=five9#token=${token}`,
      five9Host(gw.url, { agentId: '4711', interactionId: 'chat-5001' }),
    );
    await widget.waitForSelector('body[data-five9-subscribed="true"]', { timeout: 30_000 });
    expect(await widget.getAttribute('body', 'data-five9-interaction')).toBe('chat-5001');
    expect(await widget.getAttribute('#interaction', 'data-interaction-id')).toBe('chat-5001');
    const methods = await page.evaluate(() =>
      (window as unknown as { requests: { method: string }[] }).requests.map((r) => r.method),
    );
    expect(methods).toEqual(['getSessionContext', 'subscribe']);

    await page.evaluate(() => {
      const emit = (window as unknown as { emitChat: (d: unknown) => void }).emitChat;
      emit({
        interactionId: 'chat-5001',
        messageId: 'm1',
        from: 'customer',
        text: 'Is breakfast included at Kirkwood House?',
        timestamp: '2026-12-03T08:00:00Z',
      });
      emit({
        interactionId: 'chat-7777',
        messageId: 'x1',
        from: 'customer',
        text: 'a line of another chat of the same agent',
      });
      emit({
        interactionId: 'chat-5001',
        messageId: 'm2',
        from: 'agent',
        text: 'Let me check that for you.',
      });
      emit({
        interactionId: 'chat-5001',
        messageId: 'm1',
        from: 'customer',
        text: 'Is breakfast included at Kirkwood House?',
      });
    });
    await widget.waitForSelector('#forward-status[data-forwarded="3"]', {
      state: 'attached',
      timeout: 30_000,
    });
    expect(await widget.getAttribute('#forward-status', 'data-ignored')).toBe('1');
    const lines = await waitFor(
      () => {
        const l = events().filter((e) => e.data.interactionId === 'chat-5001' && e.data.kind === 'utterance');
        return l.length >= 3 ? l : undefined;
      },
      { timeoutMs: 30_000, what: 'the forwarded chat lines' },
    );
    // m1 sent twice by the host: the same utterance id both times (lines are published concurrently: any order)
    expect(lines.map((e) => [e.data.utteranceId, e.data.speaker, e.data.text]).sort()).toEqual([
      ['five9:m1', 'customer', 'Is breakfast included at Kirkwood House?'],
      ['five9:m1', 'customer', 'Is breakfast included at Kirkwood House?'],
      ['five9:m2', 'agent', 'Let me check that for you.'],
    ]);
    expect(lines.every((e) => e.tenantId === 'acme' && e.data.provider === 'five9')).toBe(true);
    expect(events().some((e) => e.data.interactionId === 'chat-7777')).toBe(false);
    await page.close();
  });

  it('a session context on another interaction than the token is refused by the gateway', async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: 'five9',
      ctx: { callId: 'chat-5002', agentId: '4711' },
    });
    const { page, widget } = await open(
      `${gw.url}/widget/?provider=five9#token=${token}`,
      five9Host(gw.url, { agentId: '4711', interactionId: 'chat-9999' }),
    );
    await widget.waitForSelector('body[data-state="refused"]', { timeout: 30_000 });
    expect(await widget.textContent('#status')).toContain('callId');
    expect(await widget.getAttribute('body', 'data-five9-subscribed')).toBeNull();
    await page.close();
  });
});

/**
 * The 8x8 Platform UI Shell stand-in: transfers a MessagePort with "init" (as the shell does for
 * @8x8/pui-partner-comm), records what the partner sends on it and answers getContext.
 */
function shellHost(context: { locale: string; theme: string }): string {
  return `
  var frame = document.getElementById('assist');
  window.received = [];
  var channel = new MessageChannel();
  window.shellPort = channel.port1;
  channel.port1.onmessage = function (ev) {
    window.received.push(ev.data);
    var m = ev.data && ev.data.message;
    if (ev.data && ev.data.type === 'request' && m.namespace === 'system' && m.action === 'getContext')
      channel.port1.postMessage({ type: 'response', schemaVersion: '1.0.0', message: { namespace: 'system', request: 'getContext', value: ${JSON.stringify(context)} } });
  };
  frame.addEventListener('load', function () {
    frame.contentWindow.postMessage('init', '*', [channel.port2]);
  });`;
}

describe('8x8 partner SDK adapter', () => {
  type Sent = {
    type: string;
    message: { name?: string; namespace?: string; action?: string; value?: Record<string, unknown> };
  };
  const received = (page: Page) => page.evaluate(() => (window as unknown as { received: Sent[] }).received);
  const count = async (page: Page, action: string) =>
    (await received(page)).filter(
      (d) => d.type === 'request' && d.message.namespace === 'activity' && d.message.action === action,
    ).length;

  it('applies the shell theme and locale, follows a theme change, and reports activity (signal / idle)', async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: '8x8',
      ctx: { aid: 'agent-7', iid: 'int-8x8' },
    });
    const { page, widget } = await open(
      `${gw.url}/widget/?provider=8x8&aid=agent-7&heartbeatMs=400&idleAfterMs=1500#token=${token}`,
      shellHost({ locale: 'de-DE', theme: 'dark' }),
    );
    await widget.waitForSelector('html[data-theme="dark"]', { timeout: 30_000 });
    await widget.waitForSelector('body[data-state="connected"]');
    expect(await widget.getAttribute('html', 'lang')).toBe('de-DE');
    expect(await widget.textContent('#empty')).toBe('Noch keine Vorschläge.');
    expect(await widget.textContent('#status')).toBe('Verbunden als agent-7 (acme)');
    expect(await widget.textContent('#save-summary')).toBe('Zusammenfassung speichern');
    const bg = await widget.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(bg).toBe('rgb(22, 24, 29)');

    const first = await received(page);
    expect(
      first.slice(0, 4).map((d) => [d.type, d.message.name ?? `${d.message.namespace}.${d.message.action}`]),
    ).toEqual([
      ['sdk-message', 'setup-complete'],
      ['sdk-message', 'capabilities'],
      ['request', 'system.initialise'],
      ['request', 'system.getContext'],
    ]);
    expect(first[0].message.value).toEqual({ version: '0.15.0' });
    expect(first[2].message.value).toMatchObject({
      appName: 'engagement-hub-agent-assist',
      vendor: 'Engagement Hub',
      partnerSdkVersion: '0.15.0',
    });
    // no activity yet: no heartbeat
    expect(await count(page, 'signal')).toBe(0);

    // the shell switches to the light theme
    await page.evaluate(() =>
      (window as unknown as { shellPort: MessagePort }).shellPort.postMessage({
        type: 'response',
        message: { namespace: 'system', request: 'getTheme', value: 'light' },
      }),
    );
    await widget.waitForSelector('html[data-theme="light"]');

    // the agent works in the widget: one signal, throttled to one per heartbeat interval
    await widget.click('header h1');
    await widget.press('body', 'a');
    await waitFor(async () => ((await count(page, 'signal')) >= 1 ? true : undefined), {
      timeoutMs: 5000,
      what: 'signal',
    });
    expect(await count(page, 'signal')).toBe(1);
    // …then nothing for the idle time: exactly one idle
    await waitFor(async () => ((await count(page, 'idle')) === 1 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'idle',
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count(page, 'idle')).toBe(1);
    const signalsWhileIdle = await count(page, 'signal');
    // activity again: a new signal at once
    await widget.press('body', 'b');
    await waitFor(async () => ((await count(page, 'signal')) > signalsWhileIdle ? true : undefined), {
      timeoutMs: 5000,
      what: 'signal after idle',
    });
    await page.close();
  });

  it('ignores an "init" port that does not come from the framing shell, and falls back to English', async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: '8x8',
      ctx: { aid: 'agent-7', iid: 'int-8x8' },
    });
    // the widget opened directly (not framed): a port posted by the page itself is not the shell's
    const page = await browser.newPage();
    await page.goto(`${gw.url}/widget/?provider=8x8&aid=agent-7#token=${token}`);
    await page.waitForSelector('body[data-state="connected"]');
    await page.evaluate(() => {
      const c = new MessageChannel();
      (window as unknown as { forged: unknown[] }).forged = [];
      c.port1.onmessage = (ev) => (window as unknown as { forged: unknown[] }).forged.push(ev.data);
      window.postMessage('init', '*', [c.port2]);
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.evaluate(() => (window as unknown as { forged: unknown[] }).forged.length)).toBe(0);
    expect(await page.getAttribute('body', 'data-8x8-port')).toBeNull();
    expect(await page.textContent('#empty')).toBe('No suggestions yet.');
    await page.close();
  });
});
