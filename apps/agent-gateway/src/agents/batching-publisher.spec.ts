import { randomUUID } from 'node:crypto';
import { newEnvelope, type TopicEvent } from '@hub/contracts';
import type { HubProducer, RawMessage } from '@hub/messaging';
import { BatchingPublisher } from './batching-publisher';

function presence(agentId: string): TopicEvent<'workItemCommands'> {
  return {
    ...newEnvelope({
      type: 'workitem.command',
      version: 1,
      tenantId: 'acme',
      source: 'test',
      correlationId: `agent:${agentId}`,
      data: { command: 'set_presence' as const, agentId, presence: 'online' as const },
    }),
    version: 1,
  };
}

describe('BatchingPublisher', () => {
  it('sends the first event at once and the ones queued meanwhile together, in order', async () => {
    const sends: RawMessage[][] = [];
    let release!: () => void;
    const producer = {
      sendRaw: (_t: string, m: RawMessage[]) => {
        sends.push(m);
        return sends.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    } as unknown as HubProducer;
    const p = new BatchingPublisher(producer, 'workItemCommands');
    const first = p.publish(presence('a1'));
    const rest = [p.publish(presence('a2')), p.publish(presence('a3')), p.publish(presence('a4'))];
    expect(sends).toHaveLength(1);
    release();
    await Promise.all([first, ...rest]);
    expect(sends.map((b) => b.length)).toEqual([1, 3]);
    expect(sends[1].map((m) => m.key)).toEqual(['agent:a2', 'agent:a3', 'agent:a4']);
  });

  it('rejects every caller of a failed batch and rejects invalid events before queueing', async () => {
    const producer = { sendRaw: () => Promise.reject(new Error('broker down')) } as unknown as HubProducer;
    const p = new BatchingPublisher(producer, 'workItemCommands');
    await expect(p.publish(presence('a1'))).rejects.toThrow('broker down');
    const bad = {
      ...presence('a1'),
      id: randomUUID(),
      data: { command: 'set_presence', agentId: '', presence: 'online' },
    };
    await expect(p.publish(bad as TopicEvent<'workItemCommands'>)).rejects.toThrow(/agentId/);
  });
});
