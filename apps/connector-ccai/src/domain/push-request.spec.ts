import { parsePushRequest } from './push-request';

const subscription = 'projects/globex-prj/subscriptions/agent-assist-push';

describe('parsePushRequest', () => {
  it('reads a wrapped push body', () => {
    const body = Buffer.from(
      JSON.stringify({
        message: {
          attributes: { key: 'value' },
          data: Buffer.from('{"a":1}').toString('base64'),
          messageId: '2070443601311540',
          message_id: '2070443601311540',
          publishTime: '2021-02-26T19:13:55.749Z',
          publish_time: '2021-02-26T19:13:55.749Z',
          orderingKey: 'conv-42',
        },
        subscription,
        deliveryAttempt: 3,
      }),
    );
    const r = parsePushRequest(body, { 'content-type': 'application/json' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.message).toMatchObject({
      messageId: '2070443601311540',
      subscription,
      attributes: { key: 'value' },
      orderingKey: 'conv-42',
      deliveryAttempt: 3,
      format: 'wrapped',
      publishTime: '2021-02-26T19:13:55.749Z',
    });
    expect(r.message.data.toString()).toBe('{"a":1}');
  });

  it('reads an unwrapped delivery with metadata headers; other headers are attributes', () => {
    const r = parsePushRequest(Buffer.from('{"a":1}'), {
      'content-type': 'application/json',
      authorization: 'Bearer x',
      'x-goog-pubsub-subscription-name': subscription,
      'x-goog-pubsub-message-id': '42',
      'x-goog-pubsub-publish-time': '2021-02-26T19:13:55.749Z',
      'x-goog-pubsub-ordering-key': 'conv-42',
      tenant: 'globex',
    });
    expect(r).toMatchObject({
      ok: true,
      message: {
        messageId: '42',
        subscription,
        orderingKey: 'conv-42',
        attributes: { tenant: 'globex' },
        format: 'unwrapped',
      },
    });
  });

  it('names the offending field of bad requests', () => {
    const bad = (body: unknown, headers: Record<string, string> = {}) => {
      const r = parsePushRequest(
        Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
        headers,
      );
      return r.ok ? '' : r.error;
    };
    expect(bad('nope')).toContain('body: not JSON');
    expect(bad({ message: { data: '%%%', messageId: '1' }, subscription })).toContain('message.data');
    expect(bad({ message: { data: 'e30=' }, subscription })).toContain('message.messageId');
    expect(bad({ message: { data: 'e30=', messageId: '1' }, subscription: 'subs/x' })).toContain(
      'subscription',
    );
    expect(bad('{}', { 'x-goog-pubsub-message-id': '1' })).toContain('x-goog-pubsub-subscription-name');
  });
});
