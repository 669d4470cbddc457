import { presentIntegration } from './integration.presenter';

describe('presentIntegration', () => {
  it('never returns secret values, only the names of the secrets that are set', () => {
    const now = new Date();
    const view = presentIntegration({
      id: 'i',
      tenantId: 't',
      type: 'llm',
      name: 'LLM',
      config: { baseUrl: 'http://x', model: 'm', timeoutMs: 1000 },
      secrets: { apiKey: 'sk-very-secret', other: '' },
      enabled: true,
      createdAt: now,
      updatedAt: now,
    });
    expect(JSON.stringify(view)).not.toContain('sk-very-secret');
    expect(view.secretFields).toEqual(['apiKey']);
    expect(view).not.toHaveProperty('secrets');
    expect(view).not.toHaveProperty('tenantId');
  });
});
