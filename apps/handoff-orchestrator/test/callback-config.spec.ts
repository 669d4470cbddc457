import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@hub/config';
import { HandoffOrchestratorConfigSchema } from '../src/config';

const base = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
  HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, { ...base, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('callback SSRF configuration (fail-fast)', () => {
  it('defaults to https only, no private networks, no allow-list', () => {
    const c = loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, base);
    expect(c.HANDOFF_CALLBACK_ALLOW_HTTP).toBe(false);
    expect(c.HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS).toBe(false);
    expect(c.HANDOFF_CALLBACK_ALLOWED_HOSTS).toBeUndefined();
  });

  it('parses the flags and normalizes allow-list suffixes', () => {
    const c = loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, {
      ...base,
      HANDOFF_CALLBACK_ALLOW_HTTP: 'true',
      HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: '1',
      HANDOFF_CALLBACK_ALLOWED_HOSTS: 'Example.com, .hooks.acme.io,*.bots.globex.net',
    });
    expect(c.HANDOFF_CALLBACK_ALLOW_HTTP).toBe(true);
    expect(c.HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS).toBe(true);
    expect(c.HANDOFF_CALLBACK_ALLOWED_HOSTS).toEqual(['example.com', 'hooks.acme.io', 'bots.globex.net']);
  });

  it('names each malformed variable', () => {
    const found = problems({
      HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'yes',
      HANDOFF_CALLBACK_ALLOW_HTTP: 'sometimes',
      HANDOFF_CALLBACK_ALLOWED_HOSTS: 'example.com,https://evil.io/',
    });
    expect(found.map((p) => p.variable).sort()).toEqual([
      'HANDOFF_CALLBACK_ALLOWED_HOSTS',
      'HANDOFF_CALLBACK_ALLOW_HTTP',
      'HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS',
    ]);
    expect(found.find((p) => p.variable === 'HANDOFF_CALLBACK_ALLOWED_HOSTS')?.message).toMatch(
      /host name or suffix/,
    );
  });
});
