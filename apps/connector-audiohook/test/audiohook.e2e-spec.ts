import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createTestWorld,
  waitFor,
  type TestWorld,
  api,
  connectWidget,
  startService,
  type RunningService,
  type Widget,
  startAssistStack,
  seedDefaultKnowledgeBase,
  SHARED_DATA_DIR,
} from '@hub/testing';
import { FakeGenesysClient, stereoPcmuFrames } from './support/audiohook-client';
import { seedAudioHookTenant, type SeededTenant } from './support/service';
import { pcmuSilence, synthesizePcmu } from './support/speech';

jest.setTimeout(240_000);

const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef0123456789';
const EMBED_SECRET = 'e2e-embed-secret-0123456789abcdef0123456789';
/** ABCD agent guidelines (asappresearch/abcd @ 6b8700ce, data/guidelines.json, MIT) — ../shared/data/kb-abcd. */
const GUIDELINES = join(SHARED_DATA_DIR, 'kb-abcd', 'guidelines.jsonl');

/**
 * End to end with real speech: a Genesys AudioHook client (signed upgrade, protocol v2) streams an
 * espeak-ng sentence as 8 kHz PCMU in 200 ms frames → connector-audiohook (PocketSphinx) →
 * `hub.conversation.events.v1` → suggestion-service (retrieval over the ABCD guidelines) →
 * `hub.assist.suggestions.v1` → assist-gateway → the suggestion arrives on the widget socket bound to
 * that Genesys conversation, and not on a widget of another interaction. All three services run as
 * child processes in one isolated test world.
 */
describe('Genesys AudioHook → running system → widget (e2e)', () => {
  let world: TestWorld;
  let tenant: SeededTenant;
  const services: RunningService[] = [];
  let suggestion: RunningService;
  let gateway: RunningService;
  let audiohook: RunningService;
  const widgets: Widget[] = [];
  let client: FakeGenesysClient | undefined;

  const widgetFor = async (interactionId: string) => {
    const r = await api(
      `${gateway.url}/v1/embed-tokens`,
      'POST',
      { tenantId: tenant.tenantId, provider: 'genesys', interactionId, agentId: 'agent-genesys-7' },
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(r.status).toBe(201);
    const w = await connectWidget(gateway.url, r.body.token as string);
    widgets.push(w);
    return w;
  };

  beforeAll(async () => {
    world = await createTestWorld();
    tenant = await seedAudioHookTenant(world, { tenantId: 'acme-e2e' });
    const [stack, connector] = await Promise.all([
      startAssistStack(world.env, { embedSecret: EMBED_SECRET, adminKey: ADMIN_KEY }),
      startService('connector-audiohook', {
        ...world.env,
        AUDIOHOOK_STT: 'tenant',
        POCKETSPHINX_MAX_STREAMS: '4',
      }),
    ]);
    ({ suggestion, gateway } = stack);
    audiohook = connector;
    services.push(suggestion, gateway, audiohook);
    await seedDefaultKnowledgeBase(
      suggestion.url,
      tenant.tenantId,
      'agent guidelines',
      readFileSync(GUIDELINES, 'utf8'),
    );
  });

  afterAll(async () => {
    client?.ws.terminate();
    for (const w of widgets) w.socket.close();
    await Promise.allSettled(services.map((s) => s.stop()));
    await world?.drop();
  });

  it('a spoken customer question on a Genesys call produces a suggestion on that call’s widget', async () => {
    const conversationId = randomUUID();
    const mine = await widgetFor(conversationId);
    const other = await widgetFor(randomUUID());

    const speech = synthesizePcmu('I forgot my password and cannot log in to my account', 500, 1500);
    const frames = stereoPcmuFrames(speech, pcmuSilence((speech.length / 8000) * 1000));
    const c = (client = new FakeGenesysClient({
      url: `ws://127.0.0.1:${audiohook.port}/audiohook/ws`,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
    }));
    await c.opened;
    c.open({ organizationId: tenant.organizationId, conversationId });
    await c.waitType('opened', 10_000);
    for (let i = 0; i < frames.length; i++) {
      c.sendAudio(frames[i], frames[i].length / 2);
      if (i % 10 === 9) c.send('ping', {});
      await new Promise((r) => setTimeout(r, 200));
    }

    const s = await waitFor(() => mine.suggestions.find((x) => x.interactionId === conversationId), {
      what: 'suggestion on the widget of the Genesys conversation',
      timeoutMs: 120_000,
    });
    expect(s.utteranceId).toBe(`${c.sessionId}:external:1`);
    expect(s.sources.length).toBeGreaterThan(0);
    // retrieval found the account-access guideline from the recognized words ("forgot my password")
    expect(s.sources.map((x) => x.title).join(' | ')).toMatch(/Account Access/);
    expect(other.suggestions).toHaveLength(0);

    c.send('close', { reason: 'end' });
    await c.waitType('closed', 20_000);
  });
});
