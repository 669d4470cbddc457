import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@hub/testing';
import { AgentTokenVerifier, InvalidAgentTokenError } from '../src/auth/agent-token.verifier';

jest.setTimeout(60_000);

const SECRET = 'mint-token-cli-test-secret-0123456789abcdef';

/** `npm run token:agent` as package.json defines it: the script's command with the arguments appended. */
const SCRIPT = (
  JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts['token:agent'];

function mint(args: string[], env: Record<string, string | undefined> = { AGENT_JWT_SECRET: SECRET }) {
  const r = spawnSync('sh', ['-c', `${SCRIPT} "$@"`, 'token:agent', ...args], {
    cwd: WORKSPACE_ROOT,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
    },
    encoding: 'utf8',
    timeout: 45_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run token:agent (apps/agent-gateway/src/cli/mint-token.ts)', () => {
  it('is the script package.json runs', () => {
    expect(SCRIPT).toBe('node --require @swc-node/register apps/agent-gateway/src/cli/mint-token.ts');
  });

  it("prints a token the gateway's verifier accepts, with tenant, agent, name and expiry from the arguments", async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = mint(['--tenant', 'acme', '--agent', 'agent-1', '--name', 'Ada Lovelace', '--ttl', '600']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const principal = await new AgentTokenVerifier({ secret: SECRET }).verify(lines[0]);
    expect(principal).toMatchObject({ tenantId: 'acme', agentId: 'agent-1', name: 'Ada Lovelace' });
    const expSeconds = principal.expiresAt! / 1000;
    expect(expSeconds).toBeGreaterThanOrEqual(before + 600);
    expect(expSeconds).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600);
    // signed with that secret only
    await expect(
      new AgentTokenVerifier({ secret: 'another-secret-0123456789abcdefghijkl' }).verify(lines[0]),
    ).rejects.toThrow(InvalidAgentTokenError);
  });

  it('defaults to an 8 h token; --secret replaces the env; AGENT_JWT_ISSUER/AUDIENCE are signed in', async () => {
    const dflt = mint(['--tenant', 'acme', '--agent', 'agent-2']);
    expect(dflt.status).toBe(0);
    const p = await new AgentTokenVerifier({ secret: SECRET }).verify(dflt.stdout.trim());
    expect(p.expiresAt! - Date.now()).toBeGreaterThan(8 * 3600 * 1000 - 60_000);
    expect(p.expiresAt! - Date.now()).toBeLessThanOrEqual(8 * 3600 * 1000);

    const viaFlag = mint(['--tenant', 'globex', '--agent', 'a-3', '--secret', SECRET], {});
    expect(viaFlag.status).toBe(0);
    expect(await new AgentTokenVerifier({ secret: SECRET }).verify(viaFlag.stdout.trim())).toMatchObject({
      tenantId: 'globex',
      agentId: 'a-3',
    });

    const scoped = mint(['--tenant', 'acme', '--agent', 'a-4'], {
      AGENT_JWT_SECRET: SECRET,
      AGENT_JWT_ISSUER: 'https://idp.acme.test',
      AGENT_JWT_AUDIENCE: 'agent-gateway',
    });
    expect(scoped.status).toBe(0);
    const token = scoped.stdout.trim();
    const strict = new AgentTokenVerifier({
      secret: SECRET,
      issuer: 'https://idp.acme.test',
      audience: 'agent-gateway',
    });
    expect((await strict.verify(token)).agentId).toBe('a-4');
    await expect(
      new AgentTokenVerifier({
        secret: SECRET,
        issuer: 'https://idp.acme.test',
        audience: 'someone-else',
      }).verify(token),
    ).rejects.toThrow(/claim aud/);
  });

  it.each([
    [['--agent', 'agent-1'], '--tenant'],
    [['--tenant', 'Acme Corp', '--agent', 'agent-1'], '--tenant'],
    [['--tenant', 'acme'], '--agent'],
    [['--tenant', 'acme', '--agent', 'agent-1', '--ttl', 'soon'], '--ttl'],
    [['--tenant', 'acme', '--agent', 'agent-1', '--ttl', '0'], '--ttl'],
    [['--tenant', 'acme', '--agent', 'agent-1', '--tennant', 'x'], "'--tennant'"],
    [['--tenant', 'acme', '--agent'], "'--agent"],
  ])('%j exits non-zero naming %s, printing no token', (args, named) => {
    const r = mint(args);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(named);
  });

  it('without a usable secret exits non-zero naming AGENT_JWT_SECRET', () => {
    const none = mint(['--tenant', 'acme', '--agent', 'agent-1'], {});
    expect(none.status).not.toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('AGENT_JWT_SECRET');
    const short = mint(['--tenant', 'acme', '--agent', 'agent-1'], { AGENT_JWT_SECRET: 'too-short' });
    expect(short.status).not.toBe(0);
    expect(short.stdout).toBe('');
    expect(short.stderr).toContain('AGENT_JWT_SECRET');
  });
});
