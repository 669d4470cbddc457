import { randomBytes } from 'node:crypto';
import { AudioHookConfigSchema } from './config';

const base = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
  HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
  KAFKA_BROKERS: '127.0.0.1:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('AudioHookConfigSchema', () => {
  it('reads GOOGLE_STT_LANGUAGES as a list of BCP 47 tags (default en-US)', () => {
    expect(AudioHookConfigSchema.parse(base).GOOGLE_STT_LANGUAGES).toEqual(['en-US']);
    expect(
      AudioHookConfigSchema.parse({ ...base, GOOGLE_STT_LANGUAGES: 'en-US, de-DE ,fr-CA' })
        .GOOGLE_STT_LANGUAGES,
    ).toEqual(['en-US', 'de-DE', 'fr-CA']);
  });

  it('refuses a malformed language list, naming the variable', () => {
    const r = AudioHookConfigSchema.safeParse({ ...base, GOOGLE_STT_LANGUAGES: 'en_US' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path[0]).toBe('GOOGLE_STT_LANGUAGES');
  });
});
