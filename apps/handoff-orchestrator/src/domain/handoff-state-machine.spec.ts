import { randomUUID } from 'node:crypto';
import type { WorkItemEvent } from '@hub/contracts';
import {
  decideTransition,
  isFinal,
  mayChangeHandoff,
  mustRevokeAssignment,
  publicStatus,
  type HandoffState,
} from './handoff-state-machine';

const ref = () => ({
  workItemId: randomUUID(),
  handoffId: randomUUID(),
  conversationId: 'c-1',
  queueId: randomUUID(),
});

describe('decideTransition', () => {
  it('walks requested → routed → offered → accepted', () => {
    const q = ref();
    expect(decideTransition('requested', { event: 'queued', ...q })).toEqual({
      from: 'requested',
      to: 'routed',
      queueId: q.queueId,
    });
    const offered: WorkItemEvent = {
      event: 'offered',
      ...q,
      offerId: randomUUID(),
      agentId: 'agent-7',
      expiresAt: new Date().toISOString(),
    };
    expect(decideTransition('routed', offered)?.to).toBe('offered');
    const assigned: WorkItemEvent = {
      event: 'assigned',
      ...q,
      agentId: 'agent-7',
      offerId: null,
      autoAccepted: false,
    };
    expect(decideTransition('offered', assigned)).toEqual({
      from: 'offered',
      to: 'accepted',
      queueId: q.queueId,
      agentId: 'agent-7',
    });
  });

  it('maps router failures and withdrawals to failed with the router reason', () => {
    expect(
      decideTransition('requested', { event: 'failed', ...ref(), reason: 'no_active_queue', detail: 'none' }),
    ).toMatchObject({ to: 'failed', reason: 'no_active_queue', detail: 'none' });
    expect(
      decideTransition('withdrawing', { event: 'withdrawn', ...ref(), reason: 'timeout' }),
    ).toMatchObject({
      from: 'withdrawing',
      to: 'failed',
      reason: 'timeout',
    });
  });

  it('lets an accept that won the race against the timer finish as accepted', () => {
    const e: WorkItemEvent = { event: 'assigned', ...ref(), agentId: 'a', offerId: null, autoAccepted: true };
    expect(decideTransition('withdrawing', e)?.to).toBe('accepted');
  });

  it('ignores routing progress while withdrawing and anything after a final state', () => {
    expect(decideTransition('withdrawing', { event: 'queued', ...ref() })).toBeNull();
    for (const s of ['accepted', 'failed'] as HandoffState[]) {
      expect(decideTransition(s, { event: 'withdrawn', ...ref(), reason: 'timeout' })).toBeNull();
      expect(decideTransition(s, { event: 'queued', ...ref() })).toBeNull();
    }
  });

  it('returns to routed when an offer is declined or expires, and ignores re-offers while offered', () => {
    const base = { ...ref(), offerId: randomUUID(), agentId: 'a' };
    expect(decideTransition('offered', { event: 'offer_declined', ...base })?.to).toBe('routed');
    expect(decideTransition('offered', { event: 'offer_expired', ...base })?.to).toBe('routed');
    expect(
      decideTransition('offered', { event: 'offered', ...base, expiresAt: new Date().toISOString() }),
    ).toBeNull();
  });

  it('ignores created/transferred/completed/presence events', () => {
    const r = ref();
    expect(decideTransition('requested', { event: 'created', ...r, type: 'chat', priority: 0 })).toBeNull();
    expect(
      decideTransition('offered', { event: 'agent_presence_changed', agentId: 'a', presence: 'online' }),
    ).toBeNull();
  });
});

describe('mayChangeHandoff', () => {
  it('is false only for events that change no handoff state (no transaction needed)', () => {
    const r = ref();
    expect(mayChangeHandoff({ event: 'created', ...r, type: 'chat', priority: 0 })).toBe(false);
    expect(mayChangeHandoff({ event: 'agent_presence_changed', agentId: 'a', presence: 'online' })).toBe(
      false,
    );
    expect(mayChangeHandoff({ event: 'queued', ...r })).toBe(true);
    expect(
      mayChangeHandoff({
        event: 'offered',
        ...r,
        offerId: randomUUID(),
        agentId: 'a',
        expiresAt: new Date().toISOString(),
      }),
    ).toBe(true);
    expect(
      mayChangeHandoff({ event: 'assigned', ...r, agentId: 'a', offerId: null, autoAccepted: true }),
    ).toBe(true);
  });
});

describe('isFinal / publicStatus', () => {
  it('treats accepted and failed as final and hides withdrawing from bots', () => {
    expect(isFinal('accepted')).toBe(true);
    expect(isFinal('failed')).toBe(true);
    expect(isFinal('withdrawing')).toBe(false);
    expect(publicStatus('withdrawing')).toBeNull();
    expect(publicStatus('offered')).toBe('offered');
  });
});

describe('mustRevokeAssignment (late accept vs announced failure)', () => {
  const assigned: WorkItemEvent = {
    event: 'assigned',
    ...ref(),
    agentId: 'a',
    offerId: null,
    autoAccepted: false,
  };
  it('revokes an assignment only once the failure was announced; while withdrawing the accept wins', () => {
    expect(mustRevokeAssignment('failed', assigned)).toBe(true);
    expect(mustRevokeAssignment('withdrawing', assigned)).toBe(false);
    expect(decideTransition('withdrawing', assigned)).toMatchObject({ to: 'accepted' });
    expect(mustRevokeAssignment('accepted', assigned)).toBe(false);
    expect(mustRevokeAssignment('failed', { event: 'withdrawn', ...ref(), reason: 'timeout' })).toBe(false);
    expect(decideTransition('failed', assigned)).toBeNull();
  });
});
