import { SignJWT } from 'jose';
import type { ConversationMessage } from '@hub/contracts';
import { startService, type RunningService } from '@hub/testing';
import { seedWorkItem, startHarness, TEST_SECRET, type GatewayHarness } from './support/gateway-harness';

jest.setTimeout(120_000);

const LINK_SECRET = 'file-link-secret-0123456789abcdefghij';

describe('shared files live in PostgreSQL: uploaded on replica A, downloaded through replica B', () => {
  let h: GatewayHarness;
  let b: RunningService;

  beforeAll(async () => {
    const env = { FILE_STORAGE_BACKEND: 'postgres', FILE_URL_SECRET: LINK_SECRET };
    h = await startHarness(env);
    // replica B: its own process, no shared disk (it is given no FILE_STORAGE_DIR of A's)
    b = await startService('agent-gateway', {
      ...h.world.env,
      ...env,
      AGENT_JWT_SECRET: TEST_SECRET,
      FILE_MAX_BYTES: '2048',
      FILE_ALLOWED_TYPES: 'text/plain,image/png',
    });
  }, 150_000);

  afterAll(async () => {
    await b?.stop();
    await h?.close();
  });

  it('serves the bytes on B to the agent and by signed link; a tampered, expired or foreign link is 403', async () => {
    const w = await seedWorkItem(h.prisma, { tenantId: 'acme', agentId: 'agent-files', state: 'assigned' });
    const token = await h.token('acme', 'agent-files');
    const content = 'Refund receipt for order 3348917502: 49.90 EUR';
    const form = new FormData();
    form.append('file', new Blob([content], { type: 'text/plain' }), 'receipt.txt');
    const up = await fetch(`${h.baseUrl}/v1/agent/work-items/${w.workItemId}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(up.status).toBe(201);
    const { message } = (await up.json()) as { message: ConversationMessage };
    const fileId = message.file!.fileId;
    const stored = await h.prisma.fileContent.findMany({ where: { tenantId: 'acme' } });
    expect(stored.map((r) => [r.storageKey, r.sizeBytes])).toEqual([[`acme/${fileId}`, content.length]]);

    const asAgent = await fetch(`${b.url}/v1/files/${fileId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asAgent.status).toBe(200);
    expect(await asAgent.text()).toBe(content);
    const link = new URL(message.file!.url, b.url);
    const signed = await fetch(`${b.url}/v1/files/${fileId}?token=${link.searchParams.get('token')}`);
    expect(signed.status).toBe(200);
    expect(await signed.text()).toBe(content);

    const good = link.searchParams.get('token')!;
    const [head, payload, sig] = good.split('.');
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    const tampered = await fetch(`${b.url}/v1/files/${fileId}?token=${head}.${payload}.${flipped}`);
    expect(tampered.status).toBe(403);
    const key = new TextEncoder().encode(LINK_SECRET);
    const expired = await new SignJWT({ fid: fileId, tid: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(key);
    expect((await fetch(`${b.url}/v1/files/${fileId}?token=${expired}`)).status).toBe(403);
    const otherFile = await new SignJWT({ fid: '00000000-0000-4000-8000-000000000000', tid: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(key);
    expect((await fetch(`${b.url}/v1/files/${fileId}?token=${otherFile}`)).status).toBe(403);
  });
});
