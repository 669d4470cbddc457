import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@hub/contracts';
import { testInfra, waitFor } from '@hub/testing';
import { RouterTestBus, spawnRouter, stopRouter, workItemIdOf, type RouterProcess } from './support/harness';

/**
 * Crash safety with real processes:
 *  1. kill -9 between the database commit of an offer and its publication (test hook
 *     ROUTER_CRASH_AFTER_COMMIT=offer); after a restart the offer reaches the agent exactly once;
 *  2. the offer-expiry timer survives a kill -9: a router started after the deadline expires the
 *     offer and moves it to the next agent.
 */
describe('work-item-router: crash safety', () => {
  let bus: RouterTestBus;
  let router: RouterProcess | undefined;
  const T = 'crashy';
  let queueId: string;

  beforeAll(async () => {
    bus = await RouterTestBus.create();
  }, 120000);

  afterAll(async () => {
    if (router) await stopRouter(router);
    await bus?.close();
  });

  /** Waits until the router's consumer group has committed every command sent so far. */
  async function commandsConsumed(): Promise<void> {
    const kafka = new Kafka({
      clientId: 'crash-test-admin',
      brokers: testInfra.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = bus.namer.physical(Topics.workItemCommands.name);
      await waitFor(
        async () => {
          const end = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({
            groupId: bus.namer.physical('work-item-router'),
            topics: [topic],
          });
          return end.every((p) => {
            const c = committed.partitions.find((x) => x.partition === p.partition);
            return p.high === p.low || (c && Number(c.offset) >= Number(p.high));
          });
        },
        { timeoutMs: 90000, intervalMs: 250, what: 'the restarted router to commit every command' },
      );
    } finally {
      await admin.disconnect();
    }
  }

  it('kill -9 after the offer commits, before it is published: after restart the agent gets it exactly once', async () => {
    router = await spawnRouter(bus, { ROUTER_CRASH_AFTER_COMMIT: 'offer' });
    bus.base = router.base;
    queueId = await bus.tenant(T);
    await bus.http('PATCH', `/v1/queues/${queueId}`, { tenant: T, body: { offerTimeoutSeconds: 600 } });
    await bus.agent(T, { id: 'kim', displayName: 'Kim', queueIds: [queueId] }, 'online'); // no offer: nothing waits

    const c = await bus.createItem(T, { n: 0 });
    const exit = await router.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(router.output()).toContain('crash hook: SIGKILL after commit');

    // Committed but not published: the offer and its outbox rows are in PostgreSQL, nothing reached Redis.
    const offer = await bus.prisma.offer.findFirstOrThrow({ where: { workItemId: c.workItemId } });
    expect(offer).toMatchObject({ agentId: 'kim', status: 'live' });
    expect(await bus.prisma.outboxEvent.count({ where: { id: offer.eventId } })).toBe(1);
    expect(bus.messagesFor(T, 'kim').filter((m) => m.kind === 'offer')).toEqual([]);

    router = await spawnRouter(bus); // restart without the hook
    bus.base = router.base;
    const delivered = await bus.waitAgentMessage(T, 'kim', 'offer', c.workItemId, 90000);
    expect(delivered).toMatchObject({ eventId: offer.eventId, offerId: offer.id });

    // Barrier on the same channel (the relay keeps per-agent order), then count.
    await bus.presence(T, 'kim', 'away');
    await bus.waitAgentMessage(T, 'kim', 'presence');
    await commandsConsumed(); // the redelivered `create` has been handled (and deduplicated)
    const offers = bus
      .messagesFor(T, 'kim')
      .filter((m) => m.kind === 'offer' && workItemIdOf(m) === c.workItemId);
    expect(offers.map((m) => m.eventId)).toEqual([offer.eventId]);
    await bus.waitEvent(T, c.workItemId, 'offered');
    const kinds = (e: string) =>
      new Set(
        bus
          .events(T, c.workItemId)
          .filter((x) => x.data.event === e)
          .map((x) => x.id),
      ).size;
    expect(kinds('created')).toBe(1);
    expect(kinds('offered')).toBe(1);
    expect(await bus.prisma.offer.count({ where: { workItemId: c.workItemId } })).toBe(1);
  }, 300000);

  it('offer expiry survives kill -9: a restarted router expires it and moves it to the next agent', async () => {
    const short = await bus.queue(T, { name: 'Short', offerTimeoutSeconds: 2 });
    await bus.agent(T, { id: 'lee', displayName: 'Lee', queueIds: [short] }, 'online');
    await bus.agent(T, { id: 'max', displayName: 'Max', queueIds: [short] }, 'online');
    const c = await bus.createItem(T, { n: 1, routing: { queue: 'Short' } });
    const first = await bus.waitEvent(T, c.workItemId, 'offered', undefined, 60000);
    expect(first.agentId).toBe('lee');

    router!.proc.kill('SIGKILL');
    await router!.exited;
    // The deadline passes while no router runs; the timer is the row, still live.
    await waitFor(
      async () =>
        (
          await bus.prisma.$queryRaw<{ due: boolean }[]>`SELECT now() > ${new Date(first.expiresAt)} AS due`
        )[0].due,
      { timeoutMs: 10000, what: 'the offer deadline to pass' },
    );
    expect(await bus.prisma.offer.findUniqueOrThrow({ where: { id: first.offerId } })).toMatchObject({
      status: 'live',
    });

    router = await spawnRouter(bus);
    const expired = await bus.waitEvent(T, c.workItemId, 'offer_expired', undefined, 90000);
    expect(expired).toMatchObject({ offerId: first.offerId, agentId: 'lee' });
    const next = await bus.waitEvent(T, c.workItemId, 'offered', (d) => d.agentId === 'max', 30000);
    expect(next.offerId).not.toBe(first.offerId);
    await bus.waitAgentMessage(T, 'max', 'offer', c.workItemId, 30000);
    const expiredIds = bus
      .events(T, c.workItemId)
      .filter((e) => e.data.event === 'offer_expired' && e.data.offerId === first.offerId)
      .map((e) => e.id);
    expect(new Set(expiredIds).size).toBe(1);
  }, 300000);
});
