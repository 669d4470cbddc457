import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import { cxSessionId } from '../src/sources/dialogflow-cx/dialogflow-cx.mapper';
import { api, knowledgeRowsOf, startService, toJsonl } from './helpers';
import { FakeDialogflowCx } from './fake-dialogflow-cx';

interface SuggestionEvent {
  type: 'assist.suggestion';
  tenantId: string;
  data: {
    suggestionId: string;
    interactionId: string;
    utteranceId?: string;
    answer: string;
    sources: { documentId: string; title: string; score?: number }[];
    confidence: number;
    generator: string;
    knowledgeBaseId?: string;
  };
}

jest.setTimeout(90000);

/**
 * google_native mode: a tenant with a `dialogflow_cx` integration gets its suggestions from Dialogflow CX
 * (`Sessions.DetectIntent` through @google-cloud/dialogflow-cx against a local gRPC server built from the
 * package's own protos), in the same `assist.suggestion` contract; other tenants keep retrieval.
 */
describe('google_native suggestions (Dialogflow CX as the suggestion source)', () => {
  let world: TestWorld;
  let app: INestApplication;
  let url: string;
  const probe = new KafkaProbe();
  const cx = new FakeDialogflowCx();
  const agentId = randomUUID();
  const ashley = knowledgeRowsOf(['ASHLEY HOTEL']);
  const wifi = ashley.find((r) => r.title.includes('WiFi'))!;
  const pets = ashley.find((r) => r.title.includes('pets'))!;

  const suggestions = () =>
    probe
      .on(`${world.kafkaNamespace}hub.assist.suggestions.v1`)
      .map((m) => m.json() as SuggestionEvent)
      .filter((e) => e.type === 'assist.suggestion');
  const say = (tenant: string, interactionId: string, utteranceId: string, text: string) =>
    api(url, 'POST', `/v1/interactions/${interactionId}/utterances`, tenant, {
      provider: 'widget',
      isFinal: true,
      speaker: 'customer',
      utteranceId,
      text,
    });
  const suggestionFor = (tenant: string, interactionId: string, utteranceId: string) =>
    waitFor(
      () =>
        suggestions().find(
          (s) =>
            s.tenantId === tenant &&
            s.data.interactionId === interactionId &&
            s.data.utteranceId === utteranceId,
        ),
      { timeoutMs: 60000, what: `suggestion for ${tenant}/${interactionId}/${utteranceId}` },
    );

  beforeAll(async () => {
    world = await createTestWorld();
    cx.intents = [
      { id: 'i-wifi', displayName: 'hotel.wifi', trainingPhrase: wifi.title, response: wifi.text },
      { id: 'i-pets', displayName: 'hotel.pets', trainingPhrase: pets.title, response: pets.text },
    ];
    const port = await cx.start();
    ({ app, url } = await startService(world));
    await probe.start([`${world.kafkaNamespace}hub.assist.suggestions.v1`]);
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create('acme', {
        id: randomUUID(),
        type: 'dialogflow_cx',
        name: 'cx-agent',
        config: {
          projectId: 'hub-test-project',
          location: 'global',
          agentId,
          languageCode: 'en',
          apiEndpoint: '127.0.0.1',
          port,
          allowInsecure: true,
          timeoutMs: 4000,
        },
        secrets: {},
        enabled: true,
      }),
    );
    // globex keeps retrieval (RAG) over the same real knowledge
    const kb = (await api(url, 'POST', '/v1/knowledge-bases', 'globex', { name: 'hotels' })).body.id;
    const up = await api(url, 'POST', `/v1/knowledge-bases/${kb}/documents`, 'globex', toJsonl(ashley), {
      'content-type': 'application/x-ndjson',
    });
    expect(up.status).toBe(201);
    expect(
      (await api(url, 'PUT', '/v1/assist-settings', 'globex', { defaultKnowledgeBaseId: kb })).status,
    ).toBe(200);
  }, 90000);

  afterAll(async () => {
    await probe.stop();
    await app?.close();
    await cx.stop();
    await world?.drop();
  });

  it('answers a google_native tenant from Dialogflow CX, one CX session per interaction', async () => {
    const iid = `chat-${randomUUID()}`;
    expect((await say('acme', iid, 'u1', 'Hi, how much does the WiFi cost at the hotel?')).status).toBe(202);
    const s = await suggestionFor('acme', iid, 'u1');
    expect(s.data.generator).toBe('dialogflow');
    expect(s.data.answer).toBe(wifi.text);
    expect(s.data.knowledgeBaseId).toBeUndefined();
    const agent = `projects/hub-test-project/locations/global/agents/${agentId}`;
    expect(s.data.sources[0]).toMatchObject({ documentId: `${agent}/intents/i-wifi`, title: 'hotel.wifi' });
    expect(s.data.confidence).toBeGreaterThan(0.3);
    expect(s.data.confidence).toBeLessThanOrEqual(1);
    const first = cx.received.find((r) => r.text.includes('WiFi'))!;
    expect(first).toMatchObject({
      session: `${agent}/sessions/${cxSessionId('acme', iid)}`,
      languageCode: 'en',
    });
    // the official client's routing header names the session
    expect(decodeURIComponent(first.metadata['x-goog-request-params'] ?? '')).toContain(
      `session=${agent}/sessions/`,
    );

    expect((await say('acme', iid, 'u2', 'And do you allow pets at the hotel?')).status).toBe(202);
    const s2 = await suggestionFor('acme', iid, 'u2');
    expect(s2.data.answer).toBe(pets.text);
    expect(s2.data.suggestionId).not.toBe(s.data.suggestionId);
    const sessions = cx.received.filter((r) => r.session.endsWith(cxSessionId('acme', iid)));
    expect(sessions.map((r) => r.text)).toEqual([
      'Hi, how much does the WiFi cost at the hotel?',
      'And do you allow pets at the hotel?',
    ]);
  });

  it('a question Dialogflow CX does not match gives an empty suggestion, not the re-prompt', async () => {
    const iid = `chat-${randomUUID()}`;
    await say('acme', iid, 'u1', 'Could you book me a taxi to the railway station?');
    const s = await suggestionFor('acme', iid, 'u1');
    expect(s.data).toMatchObject({ generator: 'dialogflow', answer: '', confidence: 0, sources: [] });
  });

  it('a tenant without the integration keeps retrieval and never reaches Dialogflow CX', async () => {
    const before = cx.received.length;
    const iid = `chat-${randomUUID()}`;
    await say('globex', iid, 'u1', 'How much does the WiFi cost at the Ashley Hotel?');
    const s = await suggestionFor('globex', iid, 'u1');
    expect(s.data.generator).toBe('extractive');
    expect(s.data.sources.some((x) => x.documentId === wifi.id)).toBe(true);
    expect(cx.received.length).toBe(before);
  });

  it('a Dialogflow CX failure gives no suggestion and does not stall the interaction', async () => {
    const iid = `chat-${randomUUID()}`;
    cx.failWith = grpc.status.PERMISSION_DENIED;
    await say('acme', iid, 'u1', 'How much does the WiFi cost?');
    await waitFor(() => cx.received.find((r) => r.session.endsWith(cxSessionId('acme', iid))), {
      timeoutMs: 30000,
      what: 'the failing DetectIntent',
    });
    cx.failWith = null;
    await say('acme', iid, 'u2', 'Do you allow pets at the hotel?');
    const s = await suggestionFor('acme', iid, 'u2');
    expect(s.data.answer).toBe(pets.text);
    expect(
      suggestions()
        .filter((x) => x.data.interactionId === iid)
        .map((x) => x.data.utteranceId),
    ).toEqual(['u2']);
  });
});
