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
        .setSubject('agent-9')
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(v.verify(token)).resolves.toMatchObject({ tenantId: 'acme', agentId: 'agent-9' });
      const { privateKey: otherKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ tid: 'acme' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('agent-9')
        .setExpirationTime('5m')
        .sign(otherKey);
      await expect(v.verify(forged)).rejects.toThrow(/signature/);
    } finally {
      server.close();
    }
  });
});
