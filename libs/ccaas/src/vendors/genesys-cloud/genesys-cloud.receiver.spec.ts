import { WebhookRejectedError } from '../../core/target';
import { signGenesysWebhook, verifyGenesysSignature } from './genesys-cloud.receiver';

describe('X-Hub-Signature-256 (Genesys Open Messaging)', () => {
  const body = Buffer.from('{"id":"abc"}');
  const secret = 'my-webhook-secret-16';
  // Computed independently: python3 hmac.new(secret, body, sha256), base64.
  const vector = 'sha256=7jbhmWqr7dDVxAX/kA3GwwPBg4W3Bt7LJ8FBzFN5pmw=';

  it('is sha256= + base64 HMAC-SHA256 of the raw body', () => {
    expect(signGenesysWebhook(body, secret)).toBe(vector);
    expect(() => verifyGenesysSignature(body, vector, secret)).not.toThrow();
  });

  it('refuses another body, secret, encoding or a missing header', () => {
    const hex = `sha256=${Buffer.from(vector.slice(7), 'base64').toString('hex')}`;
    for (const [b, v, s] of [
      [Buffer.from('{"id":"abd"}'), vector, secret],
      [body, vector, 'another-secret-value'],
      [body, hex, secret],
      [body, vector.slice(0, -4) + '====', secret],
      [body, undefined, secret],
    ] as const) {
      expect(() => verifyGenesysSignature(b, v, s)).toThrow(WebhookRejectedError);
    }
  });
});
