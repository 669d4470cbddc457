import { ConversationEventSchema } from '@hub/contracts';
import {
  ForwardedUtteranceSchema,
  forwardedUtteranceEvent,
  utteranceFieldErrors,
} from './forwarded-utterance';
import type { WidgetClaims } from './widget-claims';

const claims: WidgetClaims = {
  tid: 'acme',
  sub: '4711',
  provider: 'five9',
  interactionId: '300000123',
  ctx: { callId: '300000123', agentId: '4711' },
  use: 'session',
};

describe('forwarded utterance', () => {
  it('builds a final utterance of the token (tenant, agent, provider) for the bound interaction', () => {
    const input = ForwardedUtteranceSchema.parse({ speaker: 'customer', text: ' Hi ', messageId: 'm-1' });
    const e = forwardedUtteranceEvent(claims, '300000123', input, new Date('2026-11-21T10:00:00Z'));
    expect(e).toMatchObject({
      tenantId: 'acme',
      occurredAt: '2026-11-21T10:00:00.000Z',
      data: {
        kind: 'utterance',
        interactionId: '300000123',
        provider: 'five9',
        utteranceId: 'm-1',
        speaker: 'customer',
        text: 'Hi',
        isFinal: true,
        agentId: '4711',
      },
    });
    expect(ConversationEventSchema.safeParse(e.data).success).toBe(true);
  });

  it('derives the envelope id from tenant + interaction + message id only', () => {
    const input = ForwardedUtteranceSchema.parse({ speaker: 'customer', text: 'a', messageId: 'm-1' });
    const id = forwardedUtteranceEvent(claims, 'int-1', input).eventId;
    expect(forwardedUtteranceEvent(claims, 'int-1', { ...input, text: 'b' }).eventId).toBe(id);
    expect(forwardedUtteranceEvent(claims, 'int-2', input).eventId).not.toBe(id);
    expect(forwardedUtteranceEvent({ ...claims, tid: 'globex' }, 'int-1', input).eventId).not.toBe(id);
    // without a message id every line is its own utterance
    const anon = ForwardedUtteranceSchema.parse({ speaker: 'customer', text: 'a' });
    expect(forwardedUtteranceEvent(claims, 'int-1', anon).eventId).not.toBe(
      forwardedUtteranceEvent(claims, 'int-1', anon).eventId,
    );
  });

  it('names the offending fields, including tenant / interaction keys the payload may not carry', () => {
    const r = ForwardedUtteranceSchema.safeParse({ speaker: 'bot', text: '', interactionId: 'x', foo: 1 });
    expect(r.success).toBe(false);
    const errors = r.success ? [] : utteranceFieldErrors(r.error.issues);
    expect(errors.map((e) => e.field).sort()).toEqual(['foo', 'interactionId', 'speaker', 'text']);
    expect(errors.find((e) => e.field === 'interactionId')?.message).toMatch(/come from the widget token/);
    expect(errors.find((e) => e.field === 'foo')?.message).toBe('unknown field');
  });
});
