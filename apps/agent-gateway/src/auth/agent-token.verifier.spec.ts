import {
  AgentTokenVerifier,
  InvalidAgentTokenError,
  mintAgentToken,
  principalFromClaims,
} from './agent-token.verifier';
import { loadGatewayConfig } from '../config';

const SECRET = 'unit-secret-0123456789-abcdefghijklmnop';

describe('AgentTokenVerifier (HS256)', () => {
  const v = new AgentTokenVerifier({ secret: SECRET, issuer: 'hub' });
  it('verifies a minted token and maps claims', async () => {
    const token = await mintAgentToken({
      secret: SECRET,
      tenantId: 'acme',
      agentId: 'agent-1',
      name: 'Ada',
      issuer: 'hub',
    });
    await expect(v.verify(token)).resolves.toMatchObject({
      tenantId: 'acme',
      agentId: 'agent-1',
      name: 'Ada',
    });
  });
  it('rejects a wrong issuer and a missing token', async () => {
    const token = await mintAgentToken({
      secret: SECRET,
      tenantId: 'acme',
      agentId: 'agent-1',
      issuer: 'evil',
    });
    await expect(v.verify(token)).rejects.toThrow(/claim iss/);
    await expect(v.verify(undefined)).rejects.toBeInstanceOf(InvalidAgentTokenError);
  });
  it('requires iss, aud and iat, and refuses a lifetime above the maximum', async () => {
    const { SignJWT } = await import('jose');
    const key = new TextEncoder().encode(SECRET);
    const noIss = await new SignJWT({ tid: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setAudience('agent-gateway')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    await expect(v.verify(noIss)).rejects.toThrow(/claim iss/);
    const otherAud = await mintAgentToken({
      secret: SECRET,
      tenantId: 'acme',
      agentId: 'a',
      issuer: 'hub',
      audience: 'x',
    });
    await expect(v.verify(otherAud)).rejects.toThrow(/claim aud/);
    const noIat = await new SignJWT({ tid: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setIssuer('hub')
      .setAudience('agent-gateway')
      .setExpirationTime('5m')
      .sign(key);
    await expect(v.verify(noIat)).rejects.toThrow(/iat/);
    const short = new AgentTokenVerifier({ secret: SECRET, issuer: 'hub', maxLifetimeS: 600 });
    const long = await mintAgentToken({
      secret: SECRET,
      tenantId: 'acme',
      agentId: 'a',
      issuer: 'hub',
      ttlSeconds: 601,
    });
    await expect(short.verify(long)).rejects.toThrow(/lifetime/);
    const ok = await mintAgentToken({
      secret: SECRET,
      tenantId: 'acme',
      agentId: 'a',
      issuer: 'hub',
      ttlSeconds: 600,
    });
    await expect(short.verify(ok)).resolves.toMatchObject({ agentId: 'a' });
  });
  it('accepts `tenant` as an alias of `tid` and rejects a non-slug tenant', () => {
    expect(principalFromClaims({ sub: 'a', tenant: 'acme' })).toMatchObject({ tenantId: 'acme' });
    expect(() => principalFromClaims({ sub: 'a', tid: 'Not A Slug' })).toThrow(/tid/);
  });
});

describe('gateway config', () => {
  const base = {
    KAFKA_BROKERS: '127.0.0.1:9092',
    DATABASE_URL: 'postgresql://x@y/z',
    REDIS_URL: 'redis://127.0.0.1:6379',
  };
  it('requires exactly one of AGENT_JWT_SECRET and AGENT_JWKS_URL', () => {
    expect(() => loadGatewayConfig(base)).toThrow(/AGENT_JWT_SECRET: set exactly one .*neither/);
    expect(() =>
      loadGatewayConfig({ ...base, AGENT_JWT_SECRET: SECRET, AGENT_JWKS_URL: 'https://idp/jwks' }),
    ).toThrow(/both/);
    expect(loadGatewayConfig({ ...base, AGENT_JWKS_URL: 'https://idp.example/jwks' }).AGENT_JWKS_URL).toBe(
      'https://idp.example/jwks',
    );
    expect(loadGatewayConfig({ ...base, AGENT_JWT_SECRET: SECRET }).FILE_MAX_BYTES).toBe(10 * 1024 * 1024);
  });
});

describe('AgentTokenVerifier (JWKS)', () => {
  it('verifies RS256 tokens against keys served by a JWKS endpoint (RFC 7517)', async () => {
    const { SignJWT, exportJWK, generateKeyPair } = await import('jose');
    const { createServer } = await import('node:http');
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const v = new AgentTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
      const token = await new SignJWT({ tid: 'acme' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('engagement-hub')
        .setAudience('agent-gateway')
        .setIssuedAt()
        .setSubject('agent-9')
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(v.verify(token)).resolves.toMatchObject({ tenantId: 'acme', agentId: 'agent-9' });
      const { privateKey: otherKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ tid: 'acme' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('engagement-hub')
        .setAudience('agent-gateway')
        .setIssuedAt()
        .setSubject('agent-9')
        .setExpirationTime('5m')
        .sign(otherKey);
      await expect(v.verify(forged)).rejects.toThrow(/signature/);
    } finally {
      server.close();
    }
  });
});
