import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '@hub/config';
import { AssistGatewayConfigSchema } from './config';

const env = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x',
  HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('AssistGatewayConfigSchema', () => {
  it('requires exactly one signing key, naming the variable', () => {
    expect(() => loadConfig('assist-gateway', AssistGatewayConfigSchema, env)).toThrow(
      /EMBED_TOKEN_SECRET: set exactly one/,
    );
    expect(() =>
      loadConfig('assist-gateway', AssistGatewayConfigSchema, { ...env, EMBED_TOKEN_SECRET: 'short' }),
    ).toThrow(ConfigError);
  });

  it('parses tenant keys and refuses malformed ones', () => {
    const c = loadConfig('assist-gateway', AssistGatewayConfigSchema, {
      ...env,
      EMBED_TOKEN_SECRET: 'embed-token-secret-0123456789abcdefgh',
      ASSIST_TENANT_API_KEYS: `acme=${'k'.repeat(32)}, globex=${'g'.repeat(32)}`,
    });
    expect(c.ASSIST_TENANT_API_KEYS?.get('globex')).toBe('g'.repeat(32));
    expect(() =>
      loadConfig('assist-gateway', AssistGatewayConfigSchema, {
        ...env,
        EMBED_TOKEN_SECRET: 'embed-token-secret-0123456789abcdefgh',
        ASSIST_TENANT_API_KEYS: 'acme=short',
      }),
    ).toThrow(/ASSIST_TENANT_API_KEYS/);
  });
});
