import { decodePayload, decodeReaderFrame } from './pulsar-frame';

describe('decodeReaderFrame', () => {
  it('parses a Pulsar WebSocket reader message', () => {
    const r = decodeReaderFrame(
      JSON.stringify({
        messageId: 'CAEQAQ==',
        payload: 'eyJhIjoxfQ==',
        properties: {},
        publishTime: '2025-10-15T09:30:00.000Z',
        redeliveryCount: 0,
      }),
    );
    expect(r).toEqual({
      ok: true,
      frame: expect.objectContaining({ messageId: 'CAEQAQ==', payload: 'eyJhIjoxfQ==', redeliveryCount: 0 }),
    });
  });

  it('rejects non-JSON frames and frames without payload, keeping the id when there is one', () => {
    expect(decodeReaderFrame('not json')).toMatchObject({ ok: false, reason: 'invalid_frame' });
    const r = decodeReaderFrame(JSON.stringify({ messageId: 'CAEQAg==' }));
    expect(r).toMatchObject({ ok: false, reason: 'invalid_frame', messageId: 'CAEQAg==' });
    if (!r.ok) expect(r.detail).toContain('payload');
  });
});

describe('decodePayload', () => {
  it('decodes base64 JSON', () => {
    const b64 = Buffer.from(JSON.stringify({ Interaction: { event: 'InteractionCreated' } })).toString(
      'base64',
    );
    expect(decodePayload(b64)).toEqual({ ok: true, event: { Interaction: { event: 'InteractionCreated' } } });
  });

  it('rejects bad base64 and non-JSON payloads', () => {
    expect(decodePayload('%%% not base64 %%%')).toMatchObject({ ok: false, reason: 'invalid_base64' });
    expect(decodePayload(Buffer.from('{"broken":').toString('base64'))).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    });
  });
});
