import {
  decideAccept,
  decideComplete,
  decideDecline,
  decideTransfer,
  decideWithdraw,
} from './work-item-rules';

const offer = { id: 'o1', agentId: 'a1', expired: false };

describe('decideAccept', () => {
  it('applies for the offered agent with a live offer', () => {
    expect(decideAccept({ status: 'offered', agentId: null }, offer, 'a1')).toEqual({ kind: 'apply' });
    expect(decideAccept({ status: 'offered', agentId: null }, offer, 'a1', 'o1')).toEqual({ kind: 'apply' });
  });
  it('ignores another agent, a stale offer id, an expired offer, no offer', () => {
    expect(decideAccept({ status: 'offered', agentId: null }, offer, 'a2').kind).toBe('ignore');
    expect(decideAccept({ status: 'offered', agentId: null }, offer, 'a1', 'o-old').kind).toBe('ignore');
    expect(decideAccept({ status: 'offered', agentId: null }, { ...offer, expired: true }, 'a1').kind).toBe(
      'ignore',
    );
    expect(decideAccept({ status: 'waiting', agentId: null }, null, 'a1').kind).toBe('ignore');
  });
  it('a repeated accept is ignored', () => {
    expect(decideAccept({ status: 'assigned', agentId: 'a1' }, null, 'a1').kind).toBe('ignore');
  });
});

describe('decideDecline', () => {
  it('applies only to the live offer of that agent', () => {
    expect(decideDecline(offer, 'a1')).toEqual({ kind: 'apply' });
    expect(decideDecline(offer, 'a2').kind).toBe('ignore');
    expect(decideDecline(null, 'a1').kind).toBe('ignore');
  });
});

describe('decideTransfer', () => {
  it('open items can be transferred; assigned only by the assigned agent', () => {
    expect(decideTransfer({ status: 'waiting', agentId: null }, 'x')).toEqual({ kind: 'apply' });
    expect(decideTransfer({ status: 'offered', agentId: null }, 'x')).toEqual({ kind: 'apply' });
    expect(decideTransfer({ status: 'assigned', agentId: 'a1' }, 'a1')).toEqual({ kind: 'apply' });
    expect(decideTransfer({ status: 'assigned', agentId: 'a1' }, 'a2')).toMatchObject({
      kind: 'reject',
      reason: 'forbidden',
    });
  });
  it('closed items cannot be transferred', () => {
    for (const status of ['completed', 'withdrawn', 'failed'] as const)
      expect(decideTransfer({ status, agentId: null }, 'a1')).toMatchObject({
        kind: 'reject',
        reason: 'invalid_state',
      });
  });
});

describe('decideComplete', () => {
  it('only the assigned agent completes; repeats are ignored', () => {
    expect(decideComplete({ status: 'assigned', agentId: 'a1' }, 'a1')).toEqual({ kind: 'apply' });
    expect(decideComplete({ status: 'assigned', agentId: 'a1' }, 'a2')).toMatchObject({
      kind: 'reject',
      reason: 'forbidden',
    });
    expect(decideComplete({ status: 'completed', agentId: 'a1' }, 'a1').kind).toBe('ignore');
    expect(decideComplete({ status: 'waiting', agentId: null }, 'a1')).toMatchObject({
      kind: 'reject',
      reason: 'invalid_state',
    });
  });
});

describe('decideWithdraw (the router arbitrates withdraw vs accept)', () => {
  it('withdraws before assignment, ignores after', () => {
    expect(decideWithdraw({ status: 'waiting' })).toEqual({ kind: 'apply' });
    expect(decideWithdraw({ status: 'offered' })).toEqual({ kind: 'apply' });
    for (const status of ['assigned', 'completed', 'withdrawn', 'failed'] as const)
      expect(decideWithdraw({ status }).kind).toBe('ignore');
  });
  it('with revokeAssignment also takes an assignment back, but never reopens an ended item', () => {
    expect(decideWithdraw({ status: 'assigned' }, true)).toEqual({ kind: 'apply' });
    expect(decideWithdraw({ status: 'offered' }, true)).toEqual({ kind: 'apply' });
    for (const status of ['completed', 'withdrawn', 'failed'] as const)
      expect(decideWithdraw({ status }, true).kind).toBe('ignore');
  });
});
