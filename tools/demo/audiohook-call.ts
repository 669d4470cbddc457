/**
 * Demo: one Genesys AudioHook call feeds a vendor widget page (`npm run demo` runs it after the replay).
 *
 * 1. The demo tenant's `genesys_audiohook` integration through the orchestrator's REST API (created once; its
 *    write-only API key and client secret are kept in `var/demo/audiohook.json` so later runs sign with them).
 * 2. An embed token for the call's conversation from assist-gateway (`POST /v1/embed-tokens`, 1 h): the widget
 *    page URL printed at the end shows that call's suggestions (the gateway keeps the interaction's history).
 * 3. A Genesys-conformant AudioHook client (signed upgrade, protocol v2, 200 ms stereo PCMU frames in real time)
 *    streams an espeak-ng sentence → connector-audiohook (Moonshine, offline) → suggestion-service → assist-gateway;
 *    a widget socket waits for the suggestion and prints it.
 *
 * Env: the run's `var/demo/env.sh` (ORCHESTRATOR_URL, ASSIST_URL, AUDIOHOOK_PORT, ASSIST_ADMIN_API_KEY …).
 * Exit 1 when no suggestion arrives within 120 s (the services' logs are in var/log/demo-*.log).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connectWidget, waitFor } from '@hub/testing';
import {
  FakeGenesysClient,
  stereoPcmuFrames,
} from '../../apps/connector-audiohook/test/support/audiohook-client';
import { pcmuSilence, synthesizePcmu } from '../../apps/connector-audiohook/test/support/speech';
import { tenantJson } from './lib/hub-client';

const TENANT = 'demo';
const ROOT = join(__dirname, '..', '..');
const STATE = join(ROOT, 'var', 'demo', 'audiohook.json');
/** What the demo customer says on the call (answered by the ABCD retail guidelines knowledge base). */
const SENTENCE = 'I forgot my password and cannot log in to my account';

interface AudioHookState {
  integrationId: string;
  organizationId: string;
  apiKey: string;
  clientSecret: string;
}

function env(name: string, fallback?: string): string {
  const v = process.env[name] ?? fallback;
  if (!v) throw new Error(`${name} is not set (source var/demo/env.sh, written by tools/demo/write-env.sh)`);
  return v;
}

/** The demo tenant's AudioHook integration (created on the first run). */
async function integration(orchestratorUrl: string): Promise<AudioHookState> {
  const list = await tenantJson<{ id: string; type: string }[]>(
    orchestratorUrl,
    'GET',
    '/v1/integrations',
    TENANT,
  );
  if (existsSync(STATE)) {
    const s = JSON.parse(readFileSync(STATE, 'utf8')) as AudioHookState;
    if (list.body.some((i) => i.id === s.integrationId)) return s;
  }
  const s: Omit<AudioHookState, 'integrationId'> = {
    organizationId: randomUUID(),
    apiKey: `ak-${randomBytes(12).toString('hex')}`,
    clientSecret: randomBytes(32).toString('base64'),
  };
  const created = await tenantJson<{ id: string }>(orchestratorUrl, 'POST', '/v1/integrations', TENANT, {
    type: 'genesys_audiohook',
    name: 'Demo Genesys AudioHook',
    config: { organizationId: s.organizationId, sttProvider: 'moonshine', language: 'en-US' },
    secrets: { apiKey: s.apiKey, clientSecret: s.clientSecret },
  });
  const state = { integrationId: created.body.id, ...s };
  mkdirSync(dirname(STATE), { recursive: true });
  writeFileSync(STATE, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

async function main(): Promise<void> {
  const orchestratorUrl = env('ORCHESTRATOR_URL');
  const assistUrl = env('ASSIST_URL', 'http://127.0.0.1:3105');
  const audiohookPort = env('AUDIOHOOK_PORT', '3108');
  const adminKey = env('ASSIST_ADMIN_API_KEY');
  const state = await integration(orchestratorUrl);
  const conversationId = randomUUID();

  const tokenRes = await fetch(`${assistUrl}/v1/embed-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId: TENANT,
      provider: 'genesys',
      interactionId: conversationId,
      agentId: 'demo-agent-genesys',
      ttlSeconds: 3600,
    }),
  });
  const token = (await tokenRes.json()) as { token?: string; widgetPath?: string; message?: string };
  if (tokenRes.status !== 201 || !token.token)
    throw new Error(`embed token: HTTP ${tokenRes.status} ${token.message ?? ''}`);
  // the page exchanges the embed token once; a second socket for this script gets its own token
  const probeRes = await fetch(`${assistUrl}/v1/embed-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId: TENANT,
      provider: 'genesys',
      interactionId: conversationId,
      agentId: 'demo-probe',
    }),
  });
  const probe = (await probeRes.json()) as { token: string };
  const widget = await connectWidget(assistUrl, probe.token);

  const speech = synthesizePcmu(SENTENCE, 500, 1500);
  const frames = stereoPcmuFrames(speech, pcmuSilence((speech.length / 8000) * 1000));
  const client = new FakeGenesysClient({
    url: `ws://127.0.0.1:${audiohookPort}/audiohook/ws`,
    organizationId: state.organizationId,
    apiKey: state.apiKey,
    clientSecret: state.clientSecret,
  });
  try {
    await client.opened;
    client.open({ organizationId: state.organizationId, conversationId });
    await client.waitType('opened', 10_000);
    process.stdout.write(`  call ${conversationId}: streaming "${SENTENCE}" (espeak-ng, 8 kHz PCMU)\n`);
    for (let i = 0; i < frames.length; i++) {
      client.sendAudio(frames[i], frames[i].length / 2);
      if (i % 10 === 9) client.send('ping', {});
      await new Promise((r) => setTimeout(r, 200));
    }
    const s = await waitFor(() => widget.suggestions.find((x) => x.interactionId === conversationId), {
      what: 'a suggestion for the AudioHook call',
      timeoutMs: 120_000,
    });
    process.stdout.write(
      `  suggestion on the widget: ${s.answer.slice(0, 120).replace(/\s+/g, ' ')}…\n` +
        `  sources: ${s.sources.map((x) => x.title).join(' | ')}\n`,
    );
    client.send('close', { reason: 'end' });
    await client.waitType('closed', 20_000);
  } finally {
    client.ws.terminate();
    widget.socket.close();
  }
  // widgetPath carries the token in the URL fragment (never sent to a server or a log)
  const url = `${assistUrl}${token.widgetPath ?? `/widget/#token=${token.token}`}`;
  writeFileSync(join(ROOT, 'var', 'demo', 'widget-url.txt'), `${url}\n`);
  process.stdout.write(`  widget page of that call (valid 1 h): ${url}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`audiohook call: ${(e as Error).message}\n`);
  process.exit(1);
});
