import { createHmac, randomBytes } from 'node:crypto';
import {
  AUDIOHOOK_SIGNATURE_PARAMS,
  AUDIOHOOK_SIGNED_COMPONENTS,
  constantTimeEqual,
  verifyHmacSignature,
  type SignedRequest,
} from './http-signature';
import { signAudioHookRequest } from '../../test/support/audiohook-client';

// RFC 9421 Appendix B.1.5 shared secret ("test-shared-secret") and B.2.5 request/signature.
const RFC_SHARED_SECRET = Buffer.from(
  'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==',
  'base64',
);
const rfcRequest = (signature: string): SignedRequest => ({
  method: 'POST',
  target: '/foo?param=Value&Pet=dog',
  authority: 'example.com',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
    'signature-input':
      'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    signature: `sig-b25=:${signature}:`,
  },
});

describe('verifyHmacSignature (RFC 9421)', () => {
  const base = { label: 'sig-b25', nowSec: 1618884473, clockSkewSec: 3 };

  it('accepts the RFC 9421 B.2.5 hmac-sha256 test vector', async () => {
    const v = await verifyHmacSignature(rfcRequest('pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8='), {
      ...base,
      key: RFC_SHARED_SECRET,
      keyid: 'test-shared-secret',
    });
    expect(v).toEqual({ ok: true, nonce: undefined, createdSec: 1618884473, expiresSec: undefined });
  });

  it('computes the B.2.5 signature over the RFC signature base', () => {
    const signatureBase = [
      '"date": Tue, 20 Apr 2021 02:07:55 GMT',
      '"@authority": example.com',
      '"content-type": application/json',
      '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    ].join('\n');
    expect(createHmac('sha256', RFC_SHARED_SECRET).update(signatureBase).digest('base64')).toBe(
      'pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=',
    );
  });

  it('rejects the vector with another key, a changed header or a wrong keyid', async () => {
    const good = 'pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=';
    expect(await verifyHmacSignature(rfcRequest(good), { ...base, key: randomBytes(64) })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    const tampered = rfcRequest(good);
    tampered.headers['content-type'] = 'text/plain';
    expect(await verifyHmacSignature(tampered, { ...base, key: RFC_SHARED_SECRET })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(
      await verifyHmacSignature(rfcRequest(good), { ...base, key: RFC_SHARED_SECRET, keyid: 'other' }),
    ).toMatchObject({ ok: false, reason: 'keyid_mismatch' });
  });

  it('reports unsigned, malformed and missing-label requests', async () => {
    const r = rfcRequest('pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=');
    const opts = { ...base, key: RFC_SHARED_SECRET };
    expect(await verifyHmacSignature({ ...r, headers: { host: 'example.com' } }, opts)).toMatchObject({
      ok: false,
      reason: 'unsigned',
    });
    expect(
      await verifyHmacSignature({ ...r, headers: { ...r.headers, signature: 'sig-b25=not base64' } }, opts),
    ).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verifyHmacSignature(r, { ...opts, label: 'sig1' })).toMatchObject({
      ok: false,
      reason: 'missing_label',
    });
  });
});

describe('AudioHook signature policy', () => {
  const secret = randomBytes(32);
  const now = Math.floor(Date.now() / 1000);
  const policy = {
    label: 'sig1',
    key: secret,
    keyid: 'api-key-123456',
    requiredComponents: AUDIOHOOK_SIGNED_COMPONENTS,
    requiredParams: AUDIOHOOK_SIGNATURE_PARAMS,
    nowSec: now,
    maxAgeSec: 30,
    clockSkewSec: 3,
    minNonceLength: 16,
  };
  const request = (overrides: Partial<Parameters<typeof signAudioHookRequest>[0]> = {}): SignedRequest => {
    const headers = signAudioHookRequest({
      url: 'ws://127.0.0.1:4000/audiohook/ws?x=1',
      organizationId: 'a3e2b2d6-9d55-4f3b-8f8a-2f9c6a1f0e11',
      sessionId: 'e160e428-53e2-487c-977d-96989bf5c99d',
      correlationId: '30b0e395-84d3-4570-ac13-9a62d8f514c0',
      apiKey: 'api-key-123456',
      clientSecret: secret.toString('base64'),
      createdSec: now,
      ...overrides,
    });
    return {
      method: 'GET',
      target: '/audiohook/ws?x=1',
      authority: '127.0.0.1:4000',
      headers: lower(headers),
    };
  };

  it('accepts a signature made like a Genesys client and returns its nonce', async () => {
    const v = await verifyHmacSignature(request({ nonce: 'nonce-abcdefghijklmnop' }), policy);
    expect(v).toMatchObject({ ok: true, nonce: 'nonce-abcdefghijklmnop', createdSec: now });
  });

  it('rejects expired, future, unsigned-component and tampered signatures', async () => {
    expect(await verifyHmacSignature(request({ createdSec: now - 120 }), policy)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    expect(await verifyHmacSignature(request({ createdSec: now + 60 }), policy)).toMatchObject({
      ok: false,
      reason: 'created_in_future',
    });
    expect(
      await verifyHmacSignature(request({ components: AUDIOHOOK_SIGNED_COMPONENTS.slice(1) }), policy),
    ).toMatchObject({ ok: false, reason: 'missing_component' });
    const r = request();
    r.headers['audiohook-session-id'] = '00000000-0000-0000-0000-000000000001';
    expect(await verifyHmacSignature(r, policy)).toMatchObject({ ok: false, reason: 'mismatch' });
    const other = request();
    expect(await verifyHmacSignature({ ...other, authority: 'evil.example' }, policy)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('compares strings in constant time without leaking length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
