import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@hub/config';
import { WORKSPACE_ROOT } from '@hub/testing';
import { TokenConfigSchema } from '../src/config';
import { WidgetTokenService } from '../src/tokens/widget-token.service';

jest.setTimeout(60_000);

const SECRET = 'mint-embed-token-cli-test-secret-0123456789';

/** The `mint-embed-token` target of project.json (`npx nx run assist-gateway:mint-embed-token --args=…`). */
const COMMAND = (
  JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'apps', 'assist-gateway', 'project.json'), 'utf8')) as {
    targets: Record<string, { options: { command: string } }>;
  }
).targets['mint-embed-token'].options.command;

function mint(args: string[], env: Record<string, string> = { EMBED_TOKEN_SECRET: SECRET }) {
  const r = spawnSync('sh', ['-c', `${COMMAND} "$@"`, 'mint-embed-token', ...args], {
    cwd: WORKSPACE_ROOT,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    encoding: 'utf8',
    timeout: 45_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Minted {
  token: string;
  expiresAt: string;
  jti: string;
  claims: Record<string, unknown>;
  widgetUrl: string;
}

/** The verifier the gateway builds from the same signing env (through its config schema). */
const verifier = (env: Record<string, string> = { EMBED_TOKEN_SECRET: SECRET }) =>
  WidgetTokenService.create(loadConfig('test', TokenConfigSchema, env));

describe('assist-gateway mint-embed-token (apps/assist-gateway/src/cli/mint-embed-token.ts)', () => {
  it("Five9: prints a token the gateway's verifier accepts with tenant, agent, call and expiry, and the widget URL", async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = mint([
      '--tenant',
      'acme',
      '--provider',
      'five9',
      '--call-id',
      '300000123',
      '--five9-agent-id',
      '4711',
      '--ttl',
      '600',
      '--base-url',
      'https://assist.example.com/',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Minted;
    const claims = await (await verifier()).verify(out.token);
    expect(claims).toMatchObject({
      tid: 'acme',
      sub: '4711',
      provider: 'five9',
      interactionId: '300000123',
      ctx: { callId: '300000123', agentId: '4711' },
      use: 'embed',
    });
    expect(claims.exp).toBeGreaterThanOrEqual(before + 600);
    expect(claims.exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600);
    expect(Date.parse(out.expiresAt) / 1000).toBe(claims.exp);
    expect(out.widgetUrl).toBe(`https://assist.example.com/widget/#token=${out.token}`);
    // another key does not accept it
    await expect(
      (await verifier({ EMBED_TOKEN_SECRET: 'someone-elses-secret-0123456789abcdef' })).verify(out.token),
    ).rejects.toMatchObject({ reason: 'token_invalid' });
  });

  it('8x8 agent-only and hub tokens; the default lifetime and the cap (EMBED_TOKEN_*_TTL_S)', async () => {
    const v = await verifier();
    const eight = mint(['--tenant', 'acme', '--provider', '8x8', '--aid', 'agent-7']);
    expect(eight.status).toBe(0);
    const c8 = await v.verify((JSON.parse(eight.stdout) as Minted).token);
    expect(c8).toMatchObject({ tid: 'acme', sub: 'agent-7', provider: '8x8', ctx: { aid: 'agent-7' } });
    expect(c8.interactionId).toBeUndefined();
    expect(c8.exp - Date.now() / 1000).toBeGreaterThan(300 - 30); // default 300 s
    expect(c8.exp - Date.now() / 1000).toBeLessThanOrEqual(300);

    const hub = mint(
      ['--tenant', 'globex', '--agent', 'agent-1', '--interaction', 'conv-42', '--ttl', '7200'],
      {
        EMBED_TOKEN_SECRET: SECRET,
        EMBED_TOKEN_MAX_TTL_S: '900',
      },
    );
    expect(hub.status).toBe(0);
    const ch = await v.verify((JSON.parse(hub.stdout) as Minted).token);
    expect(ch).toMatchObject({ tid: 'globex', sub: 'agent-1', provider: 'hub', interactionId: 'conv-42' });
    expect(ch.exp - Date.now() / 1000).toBeLessThanOrEqual(900); // capped
  });

  it('ES256: signed with EMBED_TOKEN_PRIVATE_KEY, verified with the same key pair', async () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const env = { EMBED_TOKEN_PRIVATE_KEY: pem.replace(/\n/g, '\\n') };
    const r = mint(
      ['--tenant', 'acme', '--provider', 'salesforce', '--agent', 'sf-1', '--interaction', 'case-9'],
      env,
    );
    expect(r.status).toBe(0);
    const { token } = JSON.parse(r.stdout) as Minted;
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'ES256',
    });
    expect(await (await verifier(env)).verify(token)).toMatchObject({
      tid: 'acme',
      sub: 'sf-1',
      interactionId: 'case-9',
    });
  });

  it.each([
    [['--provider', 'hub', '--agent', 'a', '--interaction', 'i'], '--tenant: '],
    [['--tenant', 'Acme Corp', '--agent', 'a', '--interaction', 'i'], '--tenant: '],
    [['--tenant', 'acme', '--provider', 'zoom', '--agent', 'a', '--interaction', 'i'], '--provider: '],
    [['--tenant', 'acme', '--provider', 'five9', '--call-id', '300000123'], '--five9-agent-id: '],
    [['--tenant', 'acme', '--provider', 'five9', '--five9-agent-id', '4711'], '--call-id: '],
    [['--tenant', 'acme', '--provider', 'hub', '--agent', 'a'], '--interaction: '],
    [['--tenant', 'acme', '--provider', 'hub', '--interaction', 'i'], '--agent: '],
    [['--tenant', 'acme', '--agent', 'a', '--interaction', 'i', '--ttl', 'soon'], '--ttl: '],
    [['--tenant', 'acme', '--agent', 'a', '--interaction', 'i', '--ttl', '5'], '--ttl: '],
    [['--tenant', 'acme', '--provider', 'hub', '--aid', 'a7', '--interaction', 'i'], '--aid / --call-id: '],
    [['--tenant', 'acme', '--tennant', 'x'], "'--tennant'"],
  ])('%j exits 2 naming %s, printing no token', (args, named) => {
    const r = mint(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(named);
  });

  it('without a signing key exits non-zero naming EMBED_TOKEN_SECRET', () => {
    for (const env of [{}, { EMBED_TOKEN_SECRET: 'short' }] as Record<string, string>[]) {
      const r = mint(['--tenant', 'acme', '--provider', '8x8', '--aid', 'agent-7'], env);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('EMBED_TOKEN_SECRET');
    }
  });
});
