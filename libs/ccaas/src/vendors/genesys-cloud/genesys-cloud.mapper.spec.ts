import type { HandoffContext } from '../../core/target';
import { GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES, genesysCustomAttributes } from './genesys-cloud.mapper';

const ctx = (over: Partial<HandoffContext>): HandoffContext => ({
  tenantId: 't',
  handoffId: 'h',
  integrationId: 'i',
  conversationId: 'c',
  botSessionId: 'b',
  channel: 'web',
  customer: {},
  transcript: [],
  attributes: {},
  priority: 50,
  ...over,
});

describe('genesysCustomAttributes', () => {
  it('stays within the byte cap with multi-byte text, hub keys first', () => {
    const attrs = genesysCustomAttributes(
      ctx({
        summary: 'Клиент недоволен 😡 '.repeat(200),
        attributes: { ключ: 'значение'.repeat(100), plan: 'gold' },
      }),
      'queue-1',
    );
    expect(Buffer.byteLength(JSON.stringify(attrs))).toBeLessThanOrEqual(GENESYS_CUSTOM_ATTRIBUTES_MAX_BYTES);
    expect(attrs['hub_queue_id']).toBe('queue-1');
    expect(attrs['hub_summary']).toMatch(/…\[cut\]$/);
  });

  it('does not let a custom attribute overwrite a hub key', () => {
    const attrs = genesysCustomAttributes(ctx({ attributes: { hub_queue_id: 'evil' } }), 'queue-1');
    expect(attrs['hub_queue_id']).toBe('queue-1');
  });
});
