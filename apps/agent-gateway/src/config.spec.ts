import { ConfigError } from '@hub/config';
import { loadGatewayConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AGENT_JWT_SECRET: 'test-secret-0123456789-abcdefghijklmnop',
};

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadGatewayConfig({ ...base, ...env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('gateway config: presence tracking', () => {
  it('defaults to a 15 s grace, 30 s connection TTL, 10 s heartbeat and no presence on connect', () => {
    expect(loadGatewayConfig(base)).toMatchObject({
      PRESENCE_OFFLINE_GRACE_MS: 15_000,
      PRESENCE_CONNECTION_TTL_MS: 30_000,
      PRESENCE_HEARTBEAT_MS: 10_000,
      PRESENCE_ON_CONNECT: 'none',
    });
  });

  it('refuses a heartbeat longer than half the TTL, naming the variable and the TTL', () => {
    const p = problems({ PRESENCE_CONNECTION_TTL_MS: '1000', PRESENCE_HEARTBEAT_MS: '600' });
    expect(p).toHaveLength(1);
    expect(p[0].variable).toBe('PRESENCE_HEARTBEAT_MS');
    expect(p[0].message).toMatch(/half of PRESENCE_CONNECTION_TTL_MS \(1000\)/);
    expect(problems({ PRESENCE_CONNECTION_TTL_MS: '1000', PRESENCE_HEARTBEAT_MS: '500' })).toEqual([]);
  });

  it('refuses malformed values, naming the variable', () => {
    const p = problems({ PRESENCE_CONNECTION_TTL_MS: 'soon', PRESENCE_ON_CONNECT: 'busy' });
    expect(p.map((x) => x.variable).sort()).toEqual(['PRESENCE_CONNECTION_TTL_MS', 'PRESENCE_ON_CONNECT']);
  });
});

describe('gateway config: signing secrets', () => {
  it('refuses the placeholder shipped in deploy/ and keys shorter than 32 bytes, naming the variable', () => {
    expect(problems({ AGENT_JWT_SECRET: 'change-me-at-least-32-characters-long' })).toEqual([
      { variable: 'AGENT_JWT_SECRET', message: expect.stringContaining('placeholder') },
    ]);
    expect(problems({ FILE_URL_SECRET: 'x'.repeat(40) })).toEqual([
      { variable: 'FILE_URL_SECRET', message: expect.stringContaining('placeholder') },
    ]);
    expect(problems({ AGENT_JWT_SECRET: 'short-secret' })).toEqual([
      { variable: 'AGENT_JWT_SECRET', message: expect.stringContaining('32 bytes') },
    ]);
  });

  it('accepts placeholders only with the explicit dev flag', () => {
    expect(
      problems({
        AGENT_JWT_SECRET: 'change-me-at-least-32-characters-long',
        HUB_ALLOW_INSECURE_DEV_SECRETS: 'true',
      }),
    ).toEqual([]);
  });
});

describe('gateway config: files and the desktop page', () => {
  it('stores files in PostgreSQL by default; production requires FILE_URL_SECRET', () => {
    expect(loadGatewayConfig(base).FILE_STORAGE_BACKEND).toBe('postgres');
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      { variable: 'FILE_URL_SECRET', message: expect.stringMatching(/required in production/) },
    ]);
    expect(problems({ NODE_ENV: 'production', FILE_URL_SECRET: 'k7Qp2vX9mZ4tR8wL1nB6yH3cF5gJ0dSa' })).toEqual(
      [],
    );
  });

  it('frames the desktop nowhere by default and refuses a non-https frame ancestor', () => {
    expect(loadGatewayConfig(base).DESKTOP_FRAME_ANCESTORS).toEqual(["'none'"]);
    expect(problems({ DESKTOP_FRAME_ANCESTORS: 'http://portal.example.com' }).map((p) => p.variable)).toEqual(
      ['DESKTOP_FRAME_ANCESTORS'],
    );
  });
});

describe('gateway config: Agent Assist panel', () => {
  const secret = 'k7Qp2vX9mZ4tR8wL1nB6yH3cF5gJ0dSa-assist';
  it('is off by default, on with both ASSIST_GATEWAY_URL and ASSIST_EMBED_TOKEN_SECRET (900 s tokens)', () => {
    expect(loadGatewayConfig(base).ASSIST_GATEWAY_URL).toBeUndefined();
    const on = loadGatewayConfig({
      ...base,
      ASSIST_GATEWAY_URL: 'https://assist.example.com',
      ASSIST_EMBED_TOKEN_SECRET: secret,
    });
    expect([on.ASSIST_GATEWAY_URL, on.ASSIST_TOKEN_TTL_S, on.ASSIST_EMBED_TOKEN_ISSUER]).toEqual([
      'https://assist.example.com',
      900,
      'engagement-hub',
    ]);
  });

  it('refuses one without the other, naming the missing variable; refuses a short secret and a bad URL', () => {
    expect(problems({ ASSIST_GATEWAY_URL: 'https://assist.example.com' })).toEqual([
      { variable: 'ASSIST_EMBED_TOKEN_SECRET', message: expect.stringMatching(/set both/) },
    ]);
    expect(problems({ ASSIST_EMBED_TOKEN_SECRET: secret }).map((p) => p.variable)).toEqual([
      'ASSIST_GATEWAY_URL',
    ]);
    expect(
      problems({ ASSIST_GATEWAY_URL: 'https://assist.example.com', ASSIST_EMBED_TOKEN_SECRET: 'short' }).map(
        (p) => p.variable,
      ),
    ).toContain('ASSIST_EMBED_TOKEN_SECRET');
    expect(
      problems({ ASSIST_GATEWAY_URL: 'not a url', ASSIST_EMBED_TOKEN_SECRET: secret }).map((p) => p.variable),
    ).toContain('ASSIST_GATEWAY_URL');
  });
});
