import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { WIDGET_AUDIENCE, WidgetTokenService } from './widget-token.service';
import type { WidgetClaims } from '../domain/widget-claims';
import type { TokenConfig } from '../config';

const base: TokenConfig = {
  EMBED_TOKEN_SECRET: 's'.repeat(40),
  EMBED_TOKEN_ISSUER: 'engagement-hub',
  EMBED_TOKEN_DEFAULT_TTL_S: 300,
  EMBED_TOKEN_MAX_TTL_S: 3600,
};
const claims: WidgetClaims = {
  tid: 'acme',
  sub: 'agent-7',
  provider: '8x8',
  use: 'embed',
  ctx: { aid: 'agent-7' },
};

describe('WidgetTokenService', () => {
  it('round-trips claims (HS256) with exp = iat + ttl', async () => {
    const svc = await WidgetTokenService.create(base);
    const now = new Date();
    const t = await svc.sign(claims, 120, now);
    const v = await svc.verify(t.token);
    expect(v).toMatchObject(claims);
    expect(v.exp).toBe(Math.floor(now.getTime() / 1000) + 120);
    expect(t.expiresAt).toBe(new Date(v.exp * 1000).toISOString());
  });

  it('round-trips with ES256 and publishes the public key as JWKS', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const svc = await WidgetTokenService.create({
      ...base,
      EMBED_TOKEN_SECRET: undefined,
      EMBED_TOKEN_PRIVATE_KEY: pem,
    });
    const t = await svc.verify((await svc.sign(claims, 60)).token);
    expect(t.tid).toBe('acme');
    const jwks = svc.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('refuses missing, expired, foreign-signed and wrong-audience tokens', async () => {
    const svc = await WidgetTokenService.create(base);
    await expect(svc.verify(undefined)).rejects.toMatchObject({ reason: 'token_missing' });
    const expired = await svc.sign(claims, 10, new Date(Date.now() - 60_000));
    await expect(svc.verify(expired.token)).rejects.toMatchObject({ reason: 'token_expired' });
    const other = await WidgetTokenService.create({ ...base, EMBED_TOKEN_SECRET: 'o'.repeat(40) });
    await expect(svc.verify((await other.sign(claims, 60)).token)).rejects.toMatchObject({
      reason: 'token_invalid',
    });
    const otherIssuer = await WidgetTokenService.create({ ...base, EMBED_TOKEN_ISSUER: 'someone-else' });
    await expect(svc.verify((await otherIssuer.sign(claims, 60)).token)).rejects.toMatchObject({
      reason: 'token_invalid',
    });
    const wrongAud = await new SignJWT({ tid: 'acme', provider: 'hub', interactionId: 'i', use: 'embed' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('engagement-hub')
      .setAudience('not-' + WIDGET_AUDIENCE)
      .setSubject('a')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(base.EMBED_TOKEN_SECRET));
    await expect(svc.verify(wrongAud)).rejects.toMatchObject({ reason: 'token_invalid' });
  });

  it('refuses a correctly signed token whose claims break the rules', async () => {
    const svc = await WidgetTokenService.create(base);
    const bad = await new SignJWT({ tid: 'acme', provider: 'hub', use: 'embed' }) // hub without interactionId
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('engagement-hub')
      .setAudience(WIDGET_AUDIENCE)
      .setSubject('a')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(base.EMBED_TOKEN_SECRET));
    await expect(svc.verify(bad)).rejects.toMatchObject({ reason: 'claims_invalid' });
  });

  it('refuses a token without iat or living longer than the gateway accepts, even when correctly signed', async () => {
    const svc = await WidgetTokenService.create(base);
    const mint = (lifetime: string | null) => {
      const j = new SignJWT({ tid: 'acme', provider: '8x8', use: 'embed', ctx: { aid: 'a' } })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('engagement-hub')
        .setAudience(WIDGET_AUDIENCE)
        .setSubject('a');
      return (lifetime ? j.setIssuedAt().setExpirationTime(lifetime) : j.setExpirationTime('1m')).sign(
        new TextEncoder().encode(base.EMBED_TOKEN_SECRET),
      );
    };
    await expect(svc.verify(await mint(null))).rejects.toMatchObject({ reason: 'token_invalid' });
    await expect(svc.verify(await mint('2h'))).rejects.toMatchObject({
      reason: 'token_invalid',
      message: expect.stringContaining('3600 s'),
    });
    await expect(svc.verify(await mint('59m'))).resolves.toMatchObject({ tid: 'acme' });
    const sessions = await WidgetTokenService.create({ ...base, SESSION_TOKEN_TTL_S: 7200 });
    await expect(sessions.verify(await mint('2h'))).resolves.toMatchObject({ tid: 'acme' });
  });

  it('refuses alg=none', async () => {
    const svc = await WidgetTokenService.create(base);
    const t = await svc.sign(claims, 60);
    const [, payload] = t.token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    await expect(svc.verify(none)).rejects.toMatchObject({ reason: 'token_invalid' });
  });
});
