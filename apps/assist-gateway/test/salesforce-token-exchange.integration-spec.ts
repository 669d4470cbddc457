import { randomUUID } from 'node:crypto';
import { withIntegrationStore } from '@hub/integrations';
import { createTestWorld, type TestWorld } from '@hub/testing';
import { FakeSalesforce } from './support/fake-salesforce';
import { SuggestionPublisher, connectWidget, startGateway, type RunningGateway } from './support/harness';

jest.setTimeout(90_000);

// Seed 001 "Salesforce: token exchange": the Lightning component posts the Salesforce user's access
// token; the gateway verifies it at the org's My Domain (userinfo + introspection) and issues the
// widget session. Against a local Salesforce speaking the OpenID Connect endpoints' wire format.
const ORG = '00D5g000004XyZaEAK';
const OTHER_ORG = '00D5g000009QwErEAK';
const USER = '0055g00000AbCdEAAV';
const APP = { id: '3MVG9hub-assist-connected-app', secret: 'connected-app-secret-0123456789' };
const GOOD = 'sf-00D5g000004XyZa!AQ0AQH-good-token-0001';
const FOREIGN = 'sf-00D5g000009QwEr!AQ0AQH-other-org-0002';
const OTHER_APP = 'sf-00D5g000004XyZa!AQ0AQH-other-app-0003';
const REVOKED = 'sf-00D5g000004XyZa!AQ0AQH-revoked-0004';
let world: TestWorld;
let gw: RunningGateway;
let sf: FakeSalesforce;
let publisher: SuggestionPublisher;

const exchange = (body: Record<string, unknown>) =>
  fetch(`${gw.url}/v1/auth/salesforce/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world);
  sf = new FakeSalesforce(
    {
      [GOOD]: { orgId: ORG, userId: USER, username: 'agent@acme.example', clientId: APP.id },
      [FOREIGN]: {
        orgId: OTHER_ORG,
        userId: '0055g00000ZzZzZAAV',
        username: 'x@other.example',
        clientId: APP.id,
      },
      [OTHER_APP]: {
        orgId: ORG,
        userId: USER,
        username: 'agent@acme.example',
        clientId: '3MVG9-someone-else',
      },
      [REVOKED]: {
        orgId: ORG,
        userId: USER,
        username: 'agent@acme.example',
        clientId: APP.id,
        active: false,
      },
    },
    APP,
  );
  await sf.start();
  for (const [tenant, withSecret] of [
    ['acme', true],
    ['initech', false],
  ] as const)
    await withIntegrationStore(world.databaseUrl, world.env, (store) =>
      store.create(tenant, {
        id: randomUUID(),
        type: 'salesforce_identity',
        name: `Salesforce (${tenant})`,
        config: { myDomainUrl: sf.url, orgId: ORG, clientId: APP.id, allowInsecureHttp: true },
        secrets: withSecret ? { clientSecret: APP.secret } : {},
        enabled: true,
      }),
    );
  publisher = new SuggestionPublisher(world);
  await publisher.connect();
});

afterAll(async () => {
  await publisher?.close();
  await gw?.app.close();
  await sf?.stop();
  await world?.drop();
});

describe('POST /v1/auth/salesforce/token-exchange', () => {
  it("verifies the user's token at the org (userinfo + introspection) and issues a session the widget connects with", async () => {
    const res = await exchange({ tenantId: 'acme', accessToken: GOOD, interactionId: 'case-5003' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: string; agentId: string; widgetPath: string };
    expect(body.agentId).toBe(USER);
    expect(body.widgetPath).toBe(`/widget/#token=${encodeURIComponent(body.token)}`);
    expect(sf.introspections).toBeGreaterThan(0);
    const w = await connectWidget(gw.url, { token: body.token });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(w.sessions[0]).toMatchObject({ tenantId: 'acme', agentId: USER, provider: 'salesforce' });
      const id = await publisher.publish('acme', 'case-5003', 'Offer the free cancellation policy.');
      const started = Date.now();
      while (!w.suggestions.some((s) => s.suggestionId === id) && Date.now() - started < 30_000)
        await new Promise((r) => setTimeout(r, 100));
      expect(w.suggestions.map((s) => s.suggestionId)).toContain(id);
    } finally {
      w.socket.close();
    }
  });

  it('refuses tokens of another org, another connected app, revoked or unknown tokens (401 with the reason)', async () => {
    const reasons: Record<string, string> = {};
    for (const [name, token] of [
      ['foreign', FOREIGN],
      ['otherApp', OTHER_APP],
      ['revoked', REVOKED],
      ['unknown', 'sf-not-a-token-at-all-000000'],
    ] as const) {
      const res = await exchange({ tenantId: 'acme', accessToken: token, interactionId: 'case-1' });
      expect(res.status).toBe(401);
      reasons[name] = ((await res.json()) as { reason: string }).reason;
    }
    expect(reasons).toEqual({
      foreign: 'org_mismatch',
      otherApp: 'client_mismatch',
      revoked: 'token_invalid', // userinfo already refuses it
      unknown: 'token_invalid',
    });
    // without a connected-app secret only userinfo is used: the org check still applies
    const foreign = await exchange({ tenantId: 'initech', accessToken: FOREIGN, interactionId: 'case-1' });
    expect(foreign.status).toBe(401);
    const ok = await exchange({ tenantId: 'initech', accessToken: GOOD, interactionId: 'case-1' });
    expect(ok.status).toBe(201);
  });

  it('400 names the field; 404 for a tenant without the integration; the token is never echoed', async () => {
    const bad = await exchange({ tenantId: 'acme', interactionId: 'case-1', provider: 'hub' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('accessToken');
    expect(text).toContain('provider');
    const none = await exchange({ tenantId: 'globex', accessToken: GOOD, interactionId: 'case-1' });
    expect(none.status).toBe(404);
    const refused = await exchange({ tenantId: 'acme', accessToken: FOREIGN, interactionId: 'case-1' });
    expect(await refused.text()).not.toContain(FOREIGN);
  });
});
