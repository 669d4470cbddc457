import { randomUUID } from 'node:crypto';
import { RealtimeChannels, type AgentChannelMessage } from '@hub/contracts';
import { createLogger } from '@hub/observability';
import { randomId, testInfra, waitFor } from '@hub/testing';
import { RealtimeBus } from './realtime-bus';

describe('RealtimeBus against real Redis', () => {
  const ns = `t${randomId()}:`;
  const logger = createLogger('realtime-test', 'silent');
  const pub = new RealtimeBus(testInfra.redisUrl, ns, logger);
  const sub = new RealtimeBus(testInfra.redisUrl, ns, logger);
  const other = new RealtimeBus(testInfra.redisUrl, `t${randomId()}:`, logger);
  afterAll(async () => {
    await Promise.all([pub.close(), sub.close(), other.close()]);
  });

  it('delivers validated messages on typed channels to pattern subscribers of the same namespace only', async () => {
    const got: [string, AgentChannelMessage][] = [];
    const leaked: unknown[] = [];
    await sub.subscribe(RealtimeChannels.agent, (channel, m) => void got.push([channel, m]));
    await other.subscribe(RealtimeChannels.agent, (_c, m) => void leaked.push(m));
    const msg: AgentChannelMessage = { kind: 'presence', eventId: randomUUID(), presence: 'online' };
    const receivers = await pub.publish(RealtimeChannels.agent, ['acme', 'agent-1'], msg);
    expect(receivers).toBe(1);
    await waitFor(() => got.length === 1, { what: 'pub/sub message' });
    expect(got[0]).toEqual(['hub:t:acme:agent:agent-1', msg]);
    expect(leaked).toEqual([]);
  });

  it('refuses to publish a payload that does not match the channel schema', async () => {
    await expect(
      pub.publish(RealtimeChannels.agent, ['acme', 'a'], {
        kind: 'presence',
        eventId: 'nope',
        presence: 'busy',
      } as never),
    ).rejects.toThrow(/eventId|presence/);
  });

  it('drops invalid raw messages at the subscriber instead of passing them on', async () => {
    const got: unknown[] = [];
    const s2 = new RealtimeBus(testInfra.redisUrl, ns, logger);
    await s2.subscribe(RealtimeChannels.agent, (_c, m) => void got.push(m));
    const ok: AgentChannelMessage = { kind: 'presence', eventId: randomUUID(), presence: 'away' };
    await pub.publishRaw([
      { channel: 'hub:t:acme:agent:b', payload: '{"kind":"offer"}' },
      { channel: 'hub:t:acme:agent:b', payload: 'garbage' },
      { channel: 'hub:t:acme:agent:b', payload: JSON.stringify(ok) },
    ]);
    await waitFor(() => got.length >= 1, { what: 'valid message' });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([ok]);
    await s2.close();
  });

  it('heals a killed subscriber connection: re-subscribes, reports it in health, and signals a resync', async () => {
    const ns2 = `t${randomId()}:`;
    const bus = new RealtimeBus(testInfra.redisUrl, ns2, logger);
    const publisher = new RealtimeBus(testInfra.redisUrl, ns2, logger);
    try {
      const got: AgentChannelMessage[] = [];
      const resyncs: string[] = [];
      bus.onResync((reason) => resyncs.push(reason));
      await bus.subscribe(RealtimeChannels.agent, (_c, m) => void got.push(m));
      // the publisher connection connects on its own (not awaited by subscribe): healthy once both are up
      await waitFor(() => bus.health().ok, { what: 'bus healthy after subscribe' });
      expect(bus.health()).toEqual({ ok: true });
      // Kill only this bus's subscriber connection (by its connection name) on the server.
      const name = `${ns2.replace(/[^a-zA-Z0-9]/g, '_')}sub`;
      const list = (await publisher.publisher.call('CLIENT', 'LIST')) as string;
      const id = list
        .split('\n')
        .find((l) => l.includes(` name=${name} `))
        ?.match(/id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      const states: boolean[] = [];
      const probe = setInterval(() => states.push(bus.health().ok), 2);
      await publisher.publisher.call('CLIENT', 'KILL', 'ID', id!);
      await waitFor(() => resyncs.length === 1, { what: 'resync signal after reconnect' });
      clearInterval(probe);
      expect(resyncs).toEqual(['redis_subscriber_reconnected']);
      expect(states).toContain(false);
      expect(bus.health()).toEqual({ ok: true });
      const msg: AgentChannelMessage = { kind: 'presence', eventId: randomUUID(), presence: 'online' };
      await publisher.publish(RealtimeChannels.agent, ['acme', 'agent-heal'], msg);
      await waitFor(() => got.length === 1, { what: 'message after re-subscription' });
      expect(got).toEqual([msg]);
    } finally {
      await Promise.all([bus.close(), publisher.close()]);
    }
  });
});
