import { presentIntegration } from './integration.presenter';

describe('presentIntegration', () => {
  it('returns the names of the set secrets, never values, and not the tenant', () => {
    const now = new Date();
    const view = presentIntegration({
      id: 'i',
      tenantId: 't',
      type: 'llm',
      name: 'LLM',
      config: { baseUrl: 'http://x', model: 'm', timeoutMs: 1000 },
      secretFields: ['apiKey'],
      enabled: true,
      createdAt: now,
      updatedAt: now,
    });
    expect(view.secretFields).toEqual(['apiKey']);
    expect(view).not.toHaveProperty('secrets');
    expect(view).not.toHaveProperty('tenantId');
  });
});
