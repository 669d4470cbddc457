/**
 * Agent Assist of the demo tenant (run by `npm run demo` after the services are up, before the replay):
 * creates the tenant if needed, loads the real knowledge bases into suggestion-service and maps the queues
 * to them (seed 001, Queue-to-KB mapping):
 *  - "ABCD retail guidelines" (tools/demo/data/abcd/guidelines.jsonl, asappresearch/abcd, MIT) → Returns, Store
 *  - "Cambridge hotels and restaurants" (DSTC11 track 5 knowledge, CDLA-Sharing-1.0, from the shared data
 *    folder `${HUB_DATA_DIR:-../shared/data}/retrieval/knowledge.jsonl`) → Hotels, Restaurants; skipped with a
 *    note when that folder is absent.
 * Idempotent: existing knowledge bases (by name) are reused, mappings are PUT. Upload progress is printed from
 * `GET /v1/knowledge-bases/:id/uploads/:uploadId` while the body streams.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tenantJson } from './lib/hub-client';
import { loadHubEnv } from './lib/hub-env';

const TENANT = 'demo';
const ROOT = join(__dirname, '..', '..');
const SHARED = process.env['HUB_DATA_DIR'] ?? join(ROOT, '..', 'shared', 'data');

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}

async function knowledgeBase(url: string, name: string, description: string, jsonl: string): Promise<string> {
  const list = await tenantJson<{ items: { id: string; name: string; documentCount?: number }[] }>(
    url,
    'GET',
    '/v1/knowledge-bases',
    TENANT,
  );
  const found = list.body.items.find((k) => k.name === name);
  if (found) {
    log(`  ${name}: exists (${found.id})`);
    return found.id;
  }
  const kb = await tenantJson<{ id: string }>(url, 'POST', '/v1/knowledge-bases', TENANT, {
    name,
    description,
  });
  const uploadId = randomUUID();
  const headers = {
    authorization: `Bearer ${process.env['HUB_PLATFORM_ADMIN_KEY']}`,
    'x-tenant-id': TENANT,
    'content-type': 'application/x-ndjson',
    'upload-id': uploadId,
  };
  let shown = '';
  const poll = setInterval(() => {
    void fetch(`${url}/v1/knowledge-bases/${kb.body.id}/uploads/${uploadId}`, { headers })
      .then(async (r) => (r.ok ? ((await r.json()) as Record<string, number | string>) : null))
      .then((p) => {
        if (!p || !p['totalBytes']) return;
        const line = `  ${name}: ${p['status']} ${Math.round((Number(p['processedBytes']) / Number(p['totalBytes'])) * 100)}% (${p['processedDocuments']} documents)`;
        if (line !== shown) log((shown = line));
      })
      .catch(() => undefined);
  }, 1000);
  try {
    const res = await fetch(`${url}/v1/knowledge-bases/${kb.body.id}/documents`, {
      method: 'POST',
      headers,
      body: jsonl,
    });
    const body = (await res.json()) as { documents?: number; chunks?: number; message?: string };
    if (res.status !== 201) throw new Error(`upload ${name}: HTTP ${res.status} ${body.message ?? ''}`);
    log(`  ${name}: ${body.documents} documents, ${body.chunks} chunks (${kb.body.id})`);
  } finally {
    clearInterval(poll);
  }
  return kb.body.id;
}

async function main(): Promise<void> {
  const env = loadHubEnv();
  const suggestionUrl = process.env['SUGGESTION_URL'] ?? 'http://127.0.0.1:3104';
  await tenantJson(
    env.ROUTER_URL,
    'POST',
    '/v1/tenants',
    TENANT,
    { id: TENANT, name: 'Demo Retail & Travel' },
    [201, 409],
  );
  const abcd = await knowledgeBase(
    suggestionUrl,
    'ABCD retail guidelines',
    'Agent guidelines of an online retailer (asappresearch/abcd, MIT)',
    readFileSync(join(ROOT, 'tools', 'demo', 'data', 'abcd', 'guidelines.jsonl'), 'utf8'),
  );
  const mappings: [string, string][] = [
    ['Returns', abcd],
    ['Store', abcd],
  ];
  const dstcFile = join(SHARED, 'retrieval', 'knowledge.jsonl');
  if (existsSync(dstcFile)) {
    const dstc = await knowledgeBase(
      suggestionUrl,
      'Cambridge hotels and restaurants',
      'DSTC11 track 5 FAQs and reviews (alexa/dstc11-track5, CDLA-Sharing-1.0)',
      readFileSync(dstcFile, 'utf8'),
    );
    mappings.push(['Hotels', dstc], ['Restaurants', dstc]);
  } else {
    log(
      `  (no ${dstcFile}: Hotels and Restaurants get no knowledge base; set HUB_DATA_DIR to the shared data folder)`,
    );
  }
  for (const [queue, knowledgeBaseId] of mappings) {
    await tenantJson(suggestionUrl, 'PUT', `/v1/queue-mappings/${queue}`, TENANT, {
      knowledgeBaseId,
      systemPrompt: `You help agents of the ${queue} queue. Answer from the passages only.`,
    });
    log(`  queue ${queue} → ${knowledgeBaseId}`);
  }
  await tenantJson(suggestionUrl, 'PUT', '/v1/assist-settings', TENANT, { defaultKnowledgeBaseId: abcd });
  // the escalation policy's retrieval-confidence signal searches the hotels KB when the bot sends no result
  // of its own (the replayed DSTC11 conversations are hotel/restaurant questions)
  const hotels = mappings.find(([q]) => q === 'Hotels')?.[1];
  if (hotels) {
    const current = await tenantJson<{
      config: { retrieval?: Record<string, unknown> } & Record<string, unknown>;
    }>(env.ORCHESTRATOR_URL, 'GET', '/v1/escalation/config', TENANT);
    const config = current.body.config;
    await tenantJson(env.ORCHESTRATOR_URL, 'PUT', '/v1/escalation/config', TENANT, {
      ...config,
      retrieval: { ...config.retrieval, enabled: true, knowledgeBaseId: hotels },
    });
    log(`  escalation policy: retrieval confidence searches ${hotels}`);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`assist setup failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
