import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook } from './webhook-signing';

describe('signWebhook (Standard Webhooks)', () => {
  it('signs with every active secret, space-separated; each verifies with the library', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const payload = JSON.stringify({ type: 'handoff.outcome', data: { state: 'accepted' } });
    const headers = signWebhook('msg_1', payload, [current, previous]);
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(current).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
    expect(new Webhook(previous).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
    expect(() => new Webhook(generateWebhookSecret()).verify(payload, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(`${payload} `, { ...headers })).toThrow();
  });
});
