import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import {
  KafkaProbe,
  api,
  createTestWorld,
  knowledgeJsonl,
  launchChromium,
  seedDefaultKnowledgeBase,
  startAssistStack,
  waitFor,
  type RunningService,
  type TestWorld,
  SHARED_DATA_DIR,
} from '@hub/testing';

jest.setTimeout(180_000);

const EMBED_SECRET = 'utterance-forwarding-e2e-secret-0123456789';
const ADMIN_KEY = 'utterance-forwarding-admin-key-0123456789ab';

/** One real dialogue of the DSTC11 track 5 dev set (`../shared/data/retrieval/dev.jsonl`, CDLA-Sharing-1.0). */
interface Dialogue {
  id: string;
  turns: { speaker: 'customer' | 'agent'; text: string }[];
  gold: string[];
}
function dialogue(id: string): Dialogue {
  const line = readFileSync(join(SHARED_DATA_DIR, 'retrieval', 'dev.jsonl'), 'utf8')
    .split('\n')
    .find((l) => l.includes(`"id": "${id}"`) || l.includes(`"id":"${id}"`));
  if (!line) throw new Error(`dialogue ${id} not found`);
  return JSON.parse(line) as Dialogue;
}

/**
 * The vendor desktop stand-in: a page on another origin that frames the widget (as Five9 ADT,
 * Salesforce or Genesys do) and forwards chat lines to it with the documented postMessage API.
 */
function hostPage(widgetUrl: string, widgetOrigin: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Vendor desktop</title></head><body>
<h1>Vendor desktop</h1>
<iframe id="assist" title="Agent Assist" src="${widgetUrl}" width="400" height="600"></iframe>
<script>
  var pending = {};
  window.addEventListener('message', function (ev) {
    if (ev.origin !== ${JSON.stringify(widgetOrigin)} || !ev.data || ev.data.type !== 'hub.assist.utterance.ack') return;
    var resolve = pending[ev.data.requestId];
    delete pending[ev.data.requestId];
    if (resolve) resolve(ev.data);
  });
  // what the desktop's chat listener (e.g. Five9 onChatEvent) calls for every chat line
  window.forwardChatLine = function (utterance) {
    var requestId = 'r-' + Math.random().toString(36).slice(2);
    return new Promise(function (resolve) {
      pending[requestId] = resolve;
      document.getElementById('assist').contentWindow.postMessage(
        { type: 'hub.assist.utterance', requestId: requestId, utterance: utterance },
        ${JSON.stringify(widgetOrigin)});
    });
  };
</script></body></html>`;
}

interface Ack {
  type: string;
  requestId: string;
  ok: boolean;
  utteranceId?: string;
  interactionId?: string;
  reason?: string;
  error?: string;
  errors?: { field: string; message: string }[];
}

describe('widget forwards chat lines from the vendor desktop (headless Chromium, suggestion-service + assist-gateway)', () => {
  let world: TestWorld;
  let suggestion: RunningService;
  let gateway: RunningService;
  let host: Server;
  let hostUrl: string;
  let html = '';
  let browser: Browser;
  let probe: KafkaProbe;
  const tenant = 'acme-fwd';

  beforeAll(async () => {
    world = await createTestWorld();
    host = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(html);
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
    ({ suggestion, gateway } = await startAssistStack(
      // the vendor desktop's origin may frame the widget
      { ...world.env, WIDGET_FRAME_ANCESTORS: hostUrl },
      { embedSecret: EMBED_SECRET, adminKey: ADMIN_KEY },
    ));
    await seedDefaultKnowledgeBase(
      suggestion.url,
      tenant,
      'Cambridge hotels',
      knowledgeJsonl(['KIRKWOOD HOUSE', 'A AND B GUEST HOUSE', 'THE CAMBRIDGE BELFRY']),
    );
    probe = new KafkaProbe();
    await probe.start([`${world.kafkaNamespace}hub.conversation.events.v1`]);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await probe?.stop();
    await Promise.allSettled([suggestion?.stop(), gateway?.stop()]);
    await new Promise((r) => host?.close(r));
    await world?.drop();
  }, 60_000);

  async function openDesktop(callId: string, agentId: string): Promise<{ page: Page; widget: Frame }> {
    const minted = await api(
      `${gateway.url}/v1/embed-tokens`,
      'POST',
      { tenantId: tenant, provider: 'five9', ctx: { callId, agentId } },
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(minted.status).toBe(201);
    html = hostPage(
      `${gateway.url}/widget/?callId=${callId}&agentId=${agentId}#token=${String(minted.body.token)}`,
      gateway.url,
    );
    const page = await browser.newPage();
    await page.goto(`${hostUrl}/`);
    const widget = await waitFor(() => page.frames().find((f) => f.url().startsWith(gateway.url)), {
      what: 'widget frame',
    });
    await widget.waitForSelector('body[data-state="connected"]');
    await widget.waitForSelector(`#interaction[data-interaction-id="${callId}"]`);
    return { page, widget };
  }

  const forward = (page: Page, utterance: Record<string, unknown>) =>
    page.evaluate(
      (u) => (window as unknown as { forwardChatLine: (x: unknown) => Promise<Ack> }).forwardChatLine(u),
      utterance,
    );

  it("a Five9 chat forwarded by the desktop reaches suggestion-service and the suggestion comes back to that call's widget", async () => {
    const d = dialogue('dstc11t5-val-144'); // Kirkwood House, breakfast question
    const callId = `3000${Date.now() % 1_000_000}`;
    const { page, widget } = await openDesktop(callId, '4711');
    // another agent's call in the same tenant: must see nothing of this chat
    const other = await openDesktop(`${callId}9`, '4712');

    const ids: string[] = [];
    for (const [i, turn] of d.turns.entries()) {
      const messageId = `five9-chat-${callId}-${i}`;
      const ack = await forward(page, { speaker: turn.speaker, text: turn.text, messageId });
      expect(ack).toMatchObject({
        type: 'hub.assist.utterance.ack',
        ok: true,
        utteranceId: messageId,
        interactionId: callId,
      });
      ids.push(messageId);
    }
    const lastCustomer = ids[d.turns.length - 1];

    // on Kafka with the token's tenant and call, provider five9
    const onKafka = await waitFor(
      () => {
        const evs = probe
          .on(`${world.kafkaNamespace}hub.conversation.events.v1`)
          .map(
            (m) =>
              m.json() as {
                tenantId: string;
                data: { interactionId: string; utteranceId: string; provider: string; isFinal: boolean };
              },
          )
          .filter((e) => ids.includes(e.data.utteranceId));
        return evs.length === ids.length ? evs : undefined;
      },
      { timeoutMs: 30_000, what: 'forwarded lines on Kafka' },
    );
    for (const e of onKafka)
      expect(e).toMatchObject({
        tenantId: tenant,
        data: { interactionId: callId, provider: 'five9', isFinal: true },
      });

    // the suggestion answering the last customer line is rendered in the widget, with Kirkwood House sources
    const item = await widget.waitForSelector(`#suggestions li[data-utterance-id="${lastCustomer}"]`, {
      timeout: 60_000,
    });
    const sources = await item.$$eval('.sources li', (els) =>
      els.map((e) => e.getAttribute('data-document-id') ?? ''),
    );
    expect(sources.some((id) => id.startsWith('hotel/23/'))).toBe(true); // hotel/23 = KIRKWOOD HOUSE
    expect(await item.$eval('.answer', (e) => e.textContent ?? '')).not.toBe('');
    expect(await widget.textContent('#forward-status')).toBe('');
    expect(await widget.getAttribute('#forward-status', 'data-forwarded')).toBe(String(ids.length));

    // nothing reached the other call's widget
    expect(await other.widget.$$eval('#suggestions li', (els) => els.length)).toBe(0);
    await other.page.close();
    await page.close();
  });

  it('the desktop cannot name another interaction or tenant, and a bad line is answered naming the field', async () => {
    const callId = `3001${Date.now() % 1_000_000}`;
    const { page, widget } = await openDesktop(callId, '4713');
    const hijack = await forward(page, {
      speaker: 'customer',
      text: 'Does the Kirkwood House have parking?',
      interactionId: 'someone-elses-call',
      tenantId: 'globex',
    });
    expect(hijack).toMatchObject({ ok: false, reason: 'invalid_payload' });
    expect(hijack.errors?.map((e) => e.field).sort()).toEqual(['interactionId', 'tenantId']);
    const bad = await forward(page, { speaker: 'caller', text: 'hello' });
    expect(bad).toMatchObject({ ok: false, reason: 'invalid_payload' });
    expect(bad.error).toContain('speaker: ');
    // the widget shows the agent that forwarding failed
    expect(await widget.textContent('#forward-status')).toContain('speaker: ');

    // a valid marker on the same call is on Kafka, the rejected lines are not
    const marker = `marker-${randomUUID()}`;
    expect(
      (await forward(page, { speaker: 'agent', text: 'One moment please.', messageId: marker })).ok,
    ).toBe(true);
    const all = () =>
      probe.on(`${world.kafkaNamespace}hub.conversation.events.v1`).map(
        (m) =>
          m.json() as {
            tenantId: string;
            data: { interactionId: string; utteranceId: string; text: string };
          },
      );
    await waitFor(() => all().some((e) => e.data.utteranceId === marker), {
      timeoutMs: 30_000,
      what: 'marker',
    });
    expect(
      all()
        .filter((e) => e.data.interactionId === callId)
        .map((e) => e.data.text),
    ).toEqual(['One moment please.']);
    expect(
      all().filter((e) => e.data.interactionId === 'someone-elses-call' || e.tenantId === 'globex'),
    ).toEqual([]);
    await page.close();
  });
});
