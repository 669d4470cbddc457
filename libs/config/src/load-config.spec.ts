import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config';
import { isPlaceholderSecret, signingSecret } from './secrets';
import {
  DatabaseConfigSchema,
  HttpConfigSchema,
  KafkaConfigSchema,
  RedisConfigSchema,
} from './common-config';

const schema = KafkaConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(RedisConfigSchema.shape)
  .extend(HttpConfigSchema.shape);
const good = {
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
  REDIS_URL: 'redis://127.0.0.1:6379',
  PORT: '3000',
};

describe('loadConfig (fail-fast typed configuration)', () => {
  it('returns typed values with defaults', () => {
    const c = loadConfig('svc', schema, good);
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(c.PORT).toBe(3000);
    expect(c.KAFKA_TOPIC_PARTITIONS).toBe(6);
    expect(c.LOG_LEVEL).toBe('info');
  });

  it('names a missing variable', () => {
    const { DATABASE_URL: _omit, ...env } = good;
    expect(() => loadConfig('router', schema, env)).toThrow(ConfigError);
    expect(() => loadConfig('router', schema, env)).toThrow(
      /router: invalid configuration:\n {2}- DATABASE_URL: is required but not set/,
    );
  });

  it('names every malformed variable', () => {
    try {
      loadConfig('router', schema, {
        ...good,
        PORT: 'eighty',
        KAFKA_BROKERS: 'localhost',
        REDIS_URL: 'http://x',
      });
      throw new Error('should have thrown');
    } catch (e) {
      const err = e as ConfigError;
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.problems.map((p) => p.variable).sort()).toEqual(['KAFKA_BROKERS', 'PORT', 'REDIS_URL']);
      expect(err.message).toMatch(/KAFKA_BROKERS: .*host:port/);
    }
  });

  it('treats empty strings as unset', () => {
    expect(() => loadConfig('svc', z.object({ X: z.string() }), { X: '' })).toThrow(
      /X: is required but not set/,
    );
  });
});

describe('signing secrets', () => {
  const schema = z.object({ KEY: signingSecret(), OTHER: signingSecret().optional() });

  it('refuses known placeholders and short keys, naming the variable, unless HUB_ALLOW_INSECURE_DEV_SECRETS=true', () => {
    for (const bad of ['changeme-changeme-changeme-changeme', 'dev-secret', 'a'.repeat(32)])
      expect(isPlaceholderSecret(bad)).toBe(true);
    expect(() => loadConfig('svc', schema, { KEY: 'change-me-at-least-32-characters-long' })).toThrow(
      /KEY: is a known placeholder/,
    );
    expect(() => loadConfig('svc', schema, { KEY: 'k'.repeat(31) + 'x', OTHER: 'secret' })).toThrow(
      /OTHER: must be at least 32 bytes/,
    );
    const good = 'Zx8vQm1rT0p3a2xQc0Z2bUJwT2tYc2RqZg';
    expect(loadConfig('svc', schema, { KEY: good }).KEY).toBe(good);
    expect(
      loadConfig('svc', schema, {
        KEY: 'change-me-at-least-32-characters-long',
        HUB_ALLOW_INSECURE_DEV_SECRETS: 'true',
      }).KEY,
    ).toBe('change-me-at-least-32-characters-long');
  });
});
