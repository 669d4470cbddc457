import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, launchChromium, waitFor, type TestWorld } from '@hub/testing';
import { connectWidget, startGateway, startOidcProvider, type RunningGateway } from './support/harness';

jest.setTimeout(120_000);

/**
 * Seed 001 "Google CCAI: OAuth": a CCAI agent desktop signs the agent in with OpenID Connect (Authorization
 * Code + PKCE, driven in headless Chromium against a real OpenID provider, `oidc-provider`, standing in for
 * accounts.google.com) and hands the agent's ID token to the gateway, which verifies it with jose against
 * the issuer's JWKS and issues the widget session.
 */
const CLIENT_ID = 'ccai-desktop-client.apps.example';
let world: TestWorld;
let gw: RunningGateway;
let provider: { issuer: string; stop: () => Promise<void> };
let callback: Server;
let redirectUri: string;
let lastCallback: string | undefined;
let browser: Browser;

beforeAll(async () => {
  world = await createTestWorld();
  callback = createServer((req, res) => {
    if (req.url?.startsWith('/cb?')) lastCallback = `${redirectUri.replace(/\/cb$/, '')}${req.url}`;
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>signed in</title><p>signed in</p>');
  });
  await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
  redirectUri = `http://127.0.0.1:${(callback.address() as { port: number }).port}/cb`;
  provider = await startOidcProvider(CLIENT_ID, redirectUri);
  gw = await startGateway(world);
  for (const [tenant, clientId] of [
    ['acme', CLIENT_ID],
    ['globex', 'another-client.apps.example'],
  ] as const)
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create(tenant, {
        id: randomUUID(),
        type: 'google_oauth',
        name: 'Google sign-in',
        config: { issuer: provider.issuer, clientId, allowInsecureHttp: true },
        secrets: {},
        enabled: true,
      }),
    );
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await gw?.app.close();
  await provider?.stop();
  await new Promise((r) => callback?.close(r));
  await world?.drop();
});

/** What the CCAI desktop does: OIDC sign-in with PKCE in the browser, then the code exchange → ID token. */
async function googleSignIn(login: string): Promise<string> {
  const config = await oidc.discovery(new URL(provider.issuer), CLIENT_ID, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  lastCallback = undefined;
  const page: Page = await browser.newPage();
  await page.goto(url.href);
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (page.url().startsWith(provider.issuer) && (await page.$('button[type="submit"]')))
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  const back = await waitFor(() => lastCallback, {
    timeoutMs: 30_000,
    what: 'the redirect back with a code',
  });
  await page.close();
  const tokens = await oidc.authorizationCodeGrant(config, new URL(back), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  expect(tokens.id_token).toBeDefined();
  return tokens.id_token as string;
}

const exchange = async (body: Record<string, unknown>) => {
  const res = await fetch(`${gw.url}/v1/auth/google/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('Google CCAI widget sign-in (ID token → widget session)', () => {
  it('a verified ID token opens a widget session bound to the Google account and the interaction', async () => {
    const idToken = await googleSignIn('ccai-agent-17');
    const res = await exchange({ tenantId: 'acme', idToken, interactionId: 'projects/p/conversations/c-1' });
    expect(res.status).toBe(201);
    expect(res.body['agentId']).toBe('ccai-agent-17');
    expect(String(res.body['widgetPath'])).toMatch(/^\/widget\/#token=/);
    const w = await connectWidget(gw.url, { token: res.body['token'] });
    try {
      await waitFor(() => w.sessions[0], { timeoutMs: 15_000, what: 'session' });
      expect(w.sessions[0]).toMatchObject({ tenantId: 'acme', agentId: 'ccai-agent-17', provider: 'ccai' });
    } finally {
      w.socket.close();
    }
  });

  it('refuses a token for another OAuth client, a tampered token, and a malformed body (naming the field)', async () => {
    const idToken = await googleSignIn('ccai-agent-18');
    const other = await exchange({ tenantId: 'globex', idToken, interactionId: 'c-2' });
    expect(other.status).toBe(401);
    expect(other.body['reason']).toBe('audience_mismatch');

    const [h, p, s] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`;
    const tampered = await exchange({ tenantId: 'acme', idToken: forged, interactionId: 'c-2' });
    expect(tampered.status).toBe(401);
    expect(tampered.body['reason']).toBe('token_invalid');

    const bad = await exchange({ tenantId: 'acme', idToken: 'not-a-jwt', interactionId: 'c-2' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('idToken');

    const none = await exchange({ tenantId: 'initech', idToken, interactionId: 'c-2' });
    expect(none.status).toBe(404);
  });
});
