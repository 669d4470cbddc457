import { ConversationEventSchema } from '@hub/contracts';
import { flattenAttachedData, mapEightByEightEvent } from './interaction-mapper';

// Payload shapes from 8x8 Event Streaming "Event Reference" (InteractionQueued, InteractionAssigned,
// InteractionDeleted, AgentStatusChange examples).
const queued = {
  Interaction: {
    attachedData: {
      attachedDatum: [
        { attachedDataKey: '@pri', attachedDataValue: 100 },
        { attachedDataKey: 'channelName', attachedDataValue: 'Support Queue' },
        { attachedDataKey: 'tenantSkillName', attachedDataValue: 'Customer Service' },
      ],
    },
    callState: 'CS_QUEUED',
    direction: 'in',
    event: 'InteractionQueued',
    eventTS: 1744819217,
    interactionGUID: 'int-1963f541b9f-wgyWcn0J0hwtyhN4XfMHIfCIO-phone-01-tenant01',
    mediaType: 'phone',
    msgInfo: {},
    queueId: 1162,
  },
};

const assigned = {
  Interaction: {
    agentGUID: 'tenant01-agAglVJkg0TU28dok9y9UQKg-e46672cd-660c-46f5-b8f0-856eaf18f65c',
    agentId: 'agAglVJkg0TU28dok9y9UQKg',
    callState: 'CS_INPROGRESS',
    event: 'InteractionAssigned',
    eventTS: 1744819092,
    interactionGUID: 'int-1963f527a2a-9wjz0hrkcolMxIqiOhxEsKFe9-phone-01-tenant01',
    mediaType: 'phone',
    queueId: 1092,
  },
};

describe('mapEightByEightEvent', () => {
  it('maps InteractionQueued to a queued lifecycle event with queue name and attributes', () => {
    const m = mapEightByEightEvent(queued);
    expect(m.kind).toBe('lifecycle');
    if (m.kind !== 'lifecycle') return;
    expect(m.event).toMatchObject({
      kind: 'lifecycle',
      provider: '8x8',
      state: 'queued',
      interactionId: queued.Interaction.interactionGUID,
      queue: 'Customer Service',
      vendorEvent: 'InteractionQueued',
    });
    expect(m.event.attributes).toMatchObject({
      channelName: 'Support Queue',
      callState: 'CS_QUEUED',
      queueId: 1162,
    });
    expect(m.occurredAt).toBe(new Date(1744819217 * 1000).toISOString());
    expect(m.correlation).toBeNull();
    expect(ConversationEventSchema.safeParse(m.event).success).toBe(true);
  });

  it('sets the agent correlation on InteractionAssigned and InteractionAccepted', () => {
    const a = mapEightByEightEvent(assigned);
    expect(a).toMatchObject({
      kind: 'lifecycle',
      event: { state: 'assigned', agentId: 'agAglVJkg0TU28dok9y9UQKg', queue: '1092' },
      correlation: {
        action: 'set',
        agentId: 'agAglVJkg0TU28dok9y9UQKg',
        interactionId: assigned.Interaction.interactionGUID,
      },
    });
    const accepted = mapEightByEightEvent({
      Interaction: { ...assigned.Interaction, event: 'InteractionAccepted' },
    });
    expect(accepted).toMatchObject({ event: { state: 'accepted' }, correlation: { action: 'set' } });
  });

  it.each([
    ['InteractionCreated', 'started', null],
    ['InteractionRejected', 'rejected', 'clear'],
    ['InteractionTransferRequest', 'transferred', null],
    ['TransferRequest', 'transferred', null],
    ['InteractionPostProcess', 'wrap_up', null],
    ['PostProcess', 'wrap_up', null],
    ['InteractionDeleted', 'ended', 'clear'],
  ])('maps %s to %s (correlation %s)', (name, state, correlation) => {
    const m = mapEightByEightEvent({ Interaction: { ...assigned.Interaction, event: name } });
    expect(m.kind).toBe('lifecycle');
    if (m.kind !== 'lifecycle') return;
    expect(m.event.state).toBe(state);
    expect(m.correlation?.action ?? null).toBe(correlation);
  });

  it.each([
    ['InteractionDeassigned', 'InteractionDeassigned'],
    ['Deassigned', 'InteractionDeassigned'],
    ['InteractionEndPostProcess', 'InteractionEndPostProcess'],
    ['EndPostProcess', 'InteractionEndPostProcess'],
  ])(
    'maps %s to a correlation clear only: no lifecycle event, the interaction goes on',
    (name, vendorEvent) => {
      const m = mapEightByEightEvent({ Interaction: { ...assigned.Interaction, event: name } });
      expect(m).toEqual({
        kind: 'correlation',
        vendorEvent,
        interactionId: assigned.Interaction.interactionGUID,
        correlation: {
          action: 'clear',
          agentIds: ['agAglVJkg0TU28dok9y9UQKg'],
          interactionId: assigned.Interaction.interactionGUID,
        },
        occurredAt: new Date(1744819092 * 1000).toISOString(),
      });
    },
  );

  it('ignores an InteractionDeassigned that names no agent', () => {
    expect(
      mapEightByEightEvent({ Interaction: { event: 'InteractionDeassigned', interactionGUID: 'int-9' } }),
    ).toEqual({ kind: 'ignored', vendorEvent: 'InteractionDeassigned' });
  });

  it('clears every participating agent when InteractionDeleted has no agentId', () => {
    const m = mapEightByEightEvent({
      Interaction: {
        event: 'InteractionDeleted',
        interactionGUID: 'int-1',
        participatingAgents: 'agA, agB',
        callState: 'CS_DISCONNECTED',
        msgInfo: { instanceId: 'example.8x8.com', sequenceId: 235, timestamp: 1669236000000 },
      },
    });
    expect(m).toMatchObject({
      correlation: { action: 'clear', agentIds: ['agA', 'agB'], interactionId: 'int-1' },
      occurredAt: new Date(1669236000000).toISOString(),
    });
  });

  it('ignores agent events and interaction events without a lifecycle meaning', () => {
    expect(
      mapEightByEightEvent({ AgentStatusChange: { agentId: 'ag64', newState: 5, msgInfo: {} } }),
    ).toEqual({ kind: 'ignored', vendorEvent: 'AgentStatusChange' });
    expect(
      mapEightByEightEvent({
        Interaction: { event: 'LineHoldStatus', interactionGUID: 'int-1', status: true },
      }),
    ).toEqual({ kind: 'ignored', vendorEvent: 'LineHoldStatus' });
  });

  it('reports unusable payloads as invalid, naming the field', () => {
    expect(mapEightByEightEvent([1, 2])).toMatchObject({ kind: 'invalid' });
    expect(mapEightByEightEvent({ a: {}, b: {} })).toMatchObject({ kind: 'invalid' });
    const m = mapEightByEightEvent({ Interaction: { event: 'InteractionQueued', interactionGUID: 42 } });
    expect(m).toMatchObject({ kind: 'invalid' });
    if (m.kind === 'invalid') expect(m.detail).toContain('Interaction.interactionGUID');
  });

  it('falls back to publishTime when the payload has no timestamp', () => {
    const m = mapEightByEightEvent(
      { Interaction: { event: 'InteractionCreated', interactionGUID: 'int-2' } },
      '2025-10-15T09:30:00.000Z',
    );
    expect(m).toMatchObject({ occurredAt: '2025-10-15T09:30:00.000Z' });
  });
});

describe('flattenAttachedData', () => {
  it('turns attachedDatum pairs into a record', () => {
    expect(flattenAttachedData(queued.Interaction as never)).toEqual({
      '@pri': 100,
      channelName: 'Support Queue',
      tenantSkillName: 'Customer Service',
    });
  });
});
