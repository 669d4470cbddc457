import { IntegrationConfigSchemas, outboundUrlsOf, parseIntegration } from '@hub/integrations';
import { escalationTargets } from '../src/vendors';

describe('genesys_cloud / eightbyeight_cc integration schemas', () => {
  it('register both vendors under their types', () => {
    expect(escalationTargets.map((t) => t.type)).toEqual(
      expect.arrayContaining(['genesys_cloud', 'eightbyeight_cc']),
    );
  });

  it('list the hosts they call for the outbound URL policy', () => {
    const g = parseIntegration(
      'genesys_cloud',
      { region: 'mypurecloud.ie', clientId: 'c' },
      { clientSecret: 's', webhookSignatureSecret: 'x'.repeat(16) },
    );
    expect(outboundUrlsOf('genesys_cloud', g.config)).toEqual([
      { field: 'config.region', url: 'https://login.mypurecloud.ie/' },
      { field: 'config.region', url: 'https://api.mypurecloud.ie/' },
    ]);
    expect(
      outboundUrlsOf('genesys_cloud', {
        ...g.config,
        loginBaseUrl: 'http://127.0.0.1:1',
        apiBaseUrl: 'http://127.0.0.1:2',
      }),
    ).toEqual([
      { field: 'config.loginBaseUrl', url: 'http://127.0.0.1:1' },
      { field: 'config.apiBaseUrl', url: 'http://127.0.0.1:2' },
    ]);
    const e = parseIntegration('eightbyeight_cc', { tenantId: 't' }, { apiKey: 'k'.repeat(8) });
    expect(e.config.baseUrl).toBe('https://api.8x8.com');
    expect(outboundUrlsOf('eightbyeight_cc', e.config)).toEqual([
      { field: 'config.baseUrl', url: 'https://api.8x8.com' },
    ]);
  });

  it('name the offending field', () => {
    const r = IntegrationConfigSchemas.genesys_cloud.config.safeParse({
      region: 'example.com',
      clientId: 'c',
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['region']);
    const s = IntegrationConfigSchemas.genesys_cloud.secrets.safeParse({
      clientSecret: 's',
      webhookSignatureSecret: 'short',
    });
    expect(s.error?.issues[0].path).toEqual(['webhookSignatureSecret']);
    const q = IntegrationConfigSchemas.eightbyeight_cc.config.safeParse({
      tenantId: 't',
      skillGroups: [{ match: 'mood', value: 'x', scriptId: 's' }],
    });
    expect(q.error?.issues[0].path).toEqual(['skillGroups', 0, 'match']);
  });
});
