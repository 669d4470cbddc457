import type { HandoffContext } from '../../core/target';
import {
  attributeBytes,
  buildContactAttributes,
  CONNECT_ATTRIBUTES_MAX_BYTES,
  sanitizeAttributeKey,
} from './attributes';
import { toTargetError } from './errors';
import { mapChatItem } from './participant-stream';

const ctx = (over: Partial<HandoffContext> = {}): HandoffContext => ({
  tenantId: 't',
  handoffId: 'h-1',
  integrationId: 'i-1',
  conversationId: 'c-1',
  botSessionId: 'bs-1',
  channel: 'web',
  customer: { name: 'Dana' },
  transcript: [],
  attributes: {},
  priority: 0,
  ...over,
});

describe('Connect contact attributes', () => {
  it('sanitizes keys to Connect characters and drops unusable or reserved ones', () => {
    expect(sanitizeAttributeKey('order id#')).toBe('order_id_');
    expect(sanitizeAttributeKey('ünïcode-ok_1')).toBe('_n_code-ok_1');
    expect(sanitizeAttributeKey('***')).toBeNull();
    const r = buildContactAttributes(ctx({ attributes: { '!!!': 'x', ob_channel: 'forged', plan: 'gold' } }));
    expect(r.attributes).toMatchObject({ ob_channel: 'web', plan: 'gold' });
    expect(r.droppedKeys).toEqual(['!!!', 'ob_channel']);
  });

  it('keeps the whole transcript when it fits, without a marker', () => {
    const r = buildContactAttributes(
      ctx({ transcript: [{ role: 'customer', text: 'hello', at: '2026-01-01T00:00:00Z' }] }),
    );
    expect(r.attributes['ob_transcript']).toBe('[2026-01-01T00:00:00Z] Customer: hello');
    expect(r.transcript).toEqual({ kept: 1, omitted: 0 });
  });

  it('cuts multi-byte transcripts to the newest lines within the byte limit, marker first', () => {
    const transcript = Array.from({ length: 3000 }, (_, i) => ({
      role: 'customer' as const,
      text: `${i} ${'日本語'.repeat(10)}`,
      at: '2026-01-01T00:00:00Z',
    }));
    const r = buildContactAttributes(ctx({ transcript }));
    expect(r.totalBytes).toBe(attributeBytes(r.attributes));
    expect(r.totalBytes).toBeLessThanOrEqual(CONNECT_ATTRIBUTES_MAX_BYTES);
    expect(r.totalBytes).toBeGreaterThan(CONNECT_ATTRIBUTES_MAX_BYTES - 200);
    expect(
      r.attributes['ob_transcript'].startsWith(`[${r.transcript.omitted} earlier message(s) omitted`),
    ).toBe(true);
    expect(r.attributes['ob_transcript'].endsWith(`2999 ${'日本語'.repeat(10)}`)).toBe(true);
    expect(r.transcript.kept + r.transcript.omitted).toBe(3000);
  });

  it('keeps the end of a single message larger than the limit', () => {
    const r = buildContactAttributes(
      ctx({ transcript: [{ role: 'customer', text: 'a'.repeat(10_000) + 'THE END', at: 'x' }] }),
      {},
      2_000,
    );
    expect(r.totalBytes).toBeLessThanOrEqual(2_000);
    expect(r.attributes['ob_transcript'].endsWith('THE END')).toBe(true);
  });
});

describe('Connect chat items and errors', () => {
  it('maps agent items, ignores our CUSTOMER echoes and system lines', () => {
    expect(
      mapChatItem({ Id: '1', Type: 'MESSAGE', ParticipantRole: 'CUSTOMER', Content: 'echo' }),
    ).toBeNull();
    expect(
      mapChatItem({ Id: '2', Type: 'MESSAGE', ParticipantRole: 'SYSTEM', Content: 'queued' }),
    ).toBeNull();
    expect(
      mapChatItem({ Id: '3', Type: 'MESSAGE', ParticipantRole: 'AGENT', Content: 'hi', AbsoluteTime: 't' }),
    ).toMatchObject({ kind: 'agent_message', text: 'hi' });
    expect(
      mapChatItem({
        Id: '4',
        Type: 'EVENT',
        ContentType: 'application/vnd.amazonaws.connect.event.participant.left',
        ParticipantRole: 'AGENT',
      }),
    ).toBeNull();
    expect(
      mapChatItem(
        { Id: '5', Type: 'EVENT', ContentType: 'application/vnd.amazonaws.connect.event.chat.ended' },
        'CUSTOMER',
      ),
    ).toMatchObject({ kind: 'ended', by: 'customer' });
  });

  it('classifies AWS errors by x-amzn-errortype / status', () => {
    expect(toTargetError({ name: 'TooManyRequestsException' }, 'op').kind).toBe('throttled');
    expect(toTargetError({ name: 'LimitExceededException' }, 'op').kind).toBe('throttled');
    expect(
      toTargetError({ name: 'InternalServiceException', $metadata: { httpStatusCode: 500 } }, 'op').kind,
    ).toBe('unavailable');
    expect(toTargetError(new Error('connect ECONNREFUSED'), 'op').kind).toBe('unavailable');
    expect(toTargetError({ name: 'AccessDeniedException' }, 'op').kind).toBe('auth');
    expect(
      toTargetError({ name: 'ResourceNotFoundException', message: 'Queue x not found' }, 'op'),
    ).toMatchObject({
      kind: 'invalid',
      field: 'config.queueMappings',
    });
    expect(
      toTargetError({ name: 'InvalidParameterException', message: 'bad' }, 'op', 'contact.phone').field,
    ).toBe('contact.phone');
  });
});
