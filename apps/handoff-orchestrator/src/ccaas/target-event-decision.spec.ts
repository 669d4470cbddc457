import type { TargetEvent } from '@hub/ccaas';
import { decideTargetEvent } from './target-event-decision';

const at = '2026-01-01T10:00:00.000Z';
const ev = {
  queued: { kind: 'queued', at } as TargetEvent,
  accepted: { kind: 'accepted', at, agent: { id: 'a-1', name: 'Alex' } } as TargetEvent,
  message: { kind: 'agent_message', at, messageId: 'm1', text: 'hi', agent: { name: 'Alex' } } as TargetEvent,
  typing: { kind: 'agent_typing', at } as TargetEvent,
  transferred: { kind: 'transferred', at, queue: 'Tier 2' } as TargetEvent,
  endedByAgent: { kind: 'ended', at, by: 'agent' } as TargetEvent,
  rejected: { kind: 'failed', at, reason: 'rejected', detail: 'no queue' } as TargetEvent,
};

describe('decideTargetEvent (external contact centers through the handoff state machine)', () => {
  it('queued moves requested to routed and announces it; later it changes nothing', () => {
    expect(decideTargetEvent('requested', ev.queued)).toMatchObject({
      change: { from: 'requested', to: 'routed' },
      announce: 'routed',
    });
    expect(decideTargetEvent('routed', ev.queued)).toBeNull();
  });

  it('an agent joining accepts a waiting handoff with the agent named, but only notes (and ends) a failed one', () => {
    expect(decideTargetEvent('routed', ev.accepted)).toMatchObject({
      change: { from: 'routed', to: 'accepted', agentId: 'Alex' },
      announce: 'accepted',
    });
    const late = decideTargetEvent('failed', ev.accepted);
    expect(late).toMatchObject({ change: { from: 'failed', to: 'failed' }, endContact: true });
    expect(late?.announce).toBeUndefined();
    expect(decideTargetEvent('accepted', ev.accepted)).toBeNull();
  });

  it('relays agent lines and typing unless the handoff failed', () => {
    expect(decideTargetEvent('accepted', ev.message)).toEqual({
      change: null,
      relay: { kind: 'text', text: 'hi', agent: { name: 'Alex' } },
    });
    expect(decideTargetEvent('accepted', ev.typing)).toEqual({ change: null, relay: { kind: 'typing' } });
    expect(decideTargetEvent('failed', ev.message)).toBeNull();
    expect(decideTargetEvent('failed', ev.typing)).toBeNull();
  });

  it('an end after the accept is a note plus `ended` for the bot; before it, a failure with error', () => {
    expect(decideTargetEvent('accepted', ev.endedByAgent)).toMatchObject({
      change: { from: 'accepted', to: 'accepted', note: 'the platform contact ended (by agent)' },
      relay: { kind: 'ended' },
      contactOver: true,
    });
    expect(decideTargetEvent('routed', ev.endedByAgent)).toMatchObject({
      change: { to: 'failed', reason: 'error' },
      announce: 'failed',
      contactOver: true,
    });
    expect(decideTargetEvent('failed', ev.endedByAgent)).toEqual({ change: null, contactOver: true });
  });

  it('a platform failure fails a waiting handoff (rejected → error) and is ignored once final', () => {
    expect(decideTargetEvent('requested', ev.rejected)).toMatchObject({
      change: { to: 'failed', reason: 'error', detail: 'no queue' },
      announce: 'failed',
    });
    expect(decideTargetEvent('accepted', ev.rejected)).toBeNull();
  });

  it('a transfer is noted only while accepted', () => {
    expect(decideTargetEvent('accepted', ev.transferred)).toMatchObject({
      change: { from: 'accepted', to: 'accepted', note: 'transferred to Tier 2' },
    });
    expect(decideTargetEvent('routed', ev.transferred)).toBeNull();
  });
});
