import { Topics, dlqTopicName, newEnvelope, type TopicEvent } from '@hub/contracts';
import { createLogger } from '@hub/observability';
import { createTestWorld, KafkaProbe, waitFor, type TestWorld } from '@hub/testing';
import {
  createKafka,
  TopicNamer,
  HubProducer,
  ConsumerRunner,
  provisionTopics,
  PermanentError,
  DLQ_HEADERS,
  REDRIVE_HEADERS,
  isTransientError,
  redriveDeadLetters,
} from '../src';
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import type { Kafka } from 'kafkajs';

const logger = createLogger('messaging-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

function conversationEvent(
  tenantId: string,
  interactionId: string,
  text: string,
): TopicEvent<'conversationEvents'> {
  return newEnvelope({
    type: 'conversation.event',
    version: 1,
    tenantId,
    source: 'test',
    correlationId: interactionId,
    data: {
      kind: 'utterance',
      interactionId,
      provider: 'hub',
      utteranceId: `${interactionId}:${text}`,
      speaker: 'customer',
      text,
      isFinal: true,
    },
  }) as TopicEvent<'conversationEvents'>;
}

describe('messaging against real Kafka', () => {
  let world: TestWorld;
  let kafka: Kafka;
  let namer: TopicNamer;
  let producer: HubProducer;
  const runners: ConsumerRunner[] = [];

  let n = 0;
  beforeAll(async () => {
    world = await createTestWorld();
    const config = loadConfig('test', KafkaConfigSchema, world.env);
    kafka = createKafka({ config, clientId: 'messaging-test', logger });
  });

  // each test gets its own topics (namespace), so consumers of one test never see another's messages
  beforeEach(async () => {
    namer = new TopicNamer(`${world.kafkaNamespace}${++n}.`);
    await provisionTopics(kafka, namer, 3, 1);
    producer = new HubProducer(kafka, namer);
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.allSettled(runners.splice(0).map((r) => r.stop()));
    await producer.disconnect();
  });

  afterAll(async () => {
    await world.drop();
  });

  function runner(groupId: string, opts: Partial<ConstructorParameters<typeof ConsumerRunner>[1]> = {}) {
    const r = new ConsumerRunner(kafka, {
      // namespaced like MessagingService.createConsumer: kafkajs' assigner hands a group's members the
      // partitions of every topic any member subscribes to, so two runs of this spec on one broker sharing
      // a plain group id ('resume') would take — and silently skip — each other's messages
      groupId: namer.physical(groupId),
      namer,
      producer,
      logger,
      initialDelayMs: 10,
      maxDelayMs: 50,
      ...opts,
    });
    runners.push(r);
    return r;
  }

  it('provisions every catalogue topic and its dead-letter topic with the configured partitions, once', async () => {
    const own = new TopicNamer(`${world.kafkaNamespace}prov.`);
    const created = await provisionTopics(kafka, own, 5, 1);
    const expected = Object.values(Topics).flatMap((t) => [t.name, dlqTopicName(t.name)]);
    expect(created.sort()).toEqual(expected.map((n) => own.physical(n)).sort());
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: created });
      expect(topics).toHaveLength(expected.length);
      for (const t of topics) expect(t.partitions).toHaveLength(5);
    } finally {
      await admin.disconnect();
    }
    // every partition's leader serves at once: a producer that never retries can write to each of them
    // (a just-created partition answers NOT_LEADER_OR_FOLLOWER until the broker has taken it over)
    const strict = kafka.producer({ retry: { retries: 0 }, allowAutoTopicCreation: false });
    await strict.connect();
    try {
      const refused: string[] = [];
      for (const topic of created)
        for (let partition = 0; partition < 5; partition++)
          await strict
            .send({ topic, acks: -1, messages: [{ value: 'probe', partition }] })
            .catch((e: Error) => refused.push(`${topic}/${partition}: ${e.message}`));
      expect(refused).toEqual([]);
    } finally {
      await strict.disconnect();
    }
    // idempotent: a second start creates nothing
    expect(await provisionTopics(kafka, own, 5, 1)).toEqual([]);
  });

  it('round-trips a validated event from producer to consumer', async () => {
    const got: TopicEvent<'conversationEvents'>[] = [];
    await runner('rt')
      .on('conversationEvents', async (e) => void got.push(e))
      .start();
    const sent = conversationEvent('acme', 'i-roundtrip', 'hello');
    await producer.publish('conversationEvents', sent);
    await waitFor(() => got.find((e) => e.id === sent.id), { what: 'round trip' });
    expect(got.find((e) => e.id === sent.id)).toEqual(sent);
  });

  it('refuses to produce an event that does not match the topic schema, naming the field', async () => {
    const bad = conversationEvent('acme', 'i-bad', 'x') as unknown as { data: { speaker: string } };
    bad.data.speaker = 'robot';
    await expect(producer.publish('conversationEvents', bad as never)).rejects.toThrow(/data\.speaker/);
  });

  it('dead-letters schema-invalid and non-JSON messages with the reason, and later messages still flow', async () => {
    const got: string[] = [];
    const probe = new KafkaProbe();
    await probe.start([namer.physical(dlqTopicName(Topics.conversationEvents.name))]);
    await runner('dlq-schema')
      .on('conversationEvents', async (e) => void got.push(e.data.interactionId))
      .start();
    // all three share a key, hence a partition: the good one after the bad ones proves the partition moved on
    const raw = producer as unknown as { sendRaw: HubProducer['sendRaw'] };
    await raw.sendRaw(Topics.conversationEvents.name, [
      { key: 'k1', value: JSON.stringify({ hello: 'world' }) },
      { key: 'k1', value: 'not json{' },
    ]);
    const good = conversationEvent('acme', 'k1', 'after');
    await raw.sendRaw(Topics.conversationEvents.name, [{ key: 'k1', value: JSON.stringify(good) }]);
    await waitFor(() => got.includes('k1'), { what: 'good message after bad ones' });
    const dead = await waitFor(() => (probe.messages.length >= 2 ? probe.messages : null), {
      what: 'dead letters',
    });
    await probe.stop();
    const reasons = dead.map((m) => m.headers[DLQ_HEADERS.reason]).sort();
    expect(reasons).toEqual(['invalid_json', 'schema_invalid']);
    const schemaDead = dead.find((m) => m.headers[DLQ_HEADERS.reason] === 'schema_invalid')!;
    expect(schemaDead.headers[DLQ_HEADERS.error]).toMatch(/id: /);
    expect(schemaDead.headers[DLQ_HEADERS.topic]).toBe(Topics.conversationEvents.name);
    expect(schemaDead.headers[DLQ_HEADERS.offset]).toMatch(/^\d+$/);
    expect(schemaDead.headers[DLQ_HEADERS.partition]).toMatch(/^\d+$/);
    expect(schemaDead.headers[DLQ_HEADERS.attempts]).toBe('1');
    expect(schemaDead.value).toBe(JSON.stringify({ hello: 'world' }));
  });

  it('retries a transiently failing handler with backoff and processes the message once', async () => {
    const attempts: number[] = [];
    let successes = 0;
    const ev = conversationEvent('acme', 'i-transient', 'retry me');
    await runner('transient')
      .on('conversationEvents', async (e, ctx) => {
        if (e.id !== ev.id) return;
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('database briefly unavailable');
        successes += 1;
      })
      .start();
    await producer.publish('conversationEvents', ev);
    await waitFor(() => successes === 1, { what: 'eventual success' });
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toEqual([1, 2, 3]);
    expect(successes).toBe(1);
  });

  it('dead-letters after max attempts and on a permanent error, with attempt count', async () => {
    const probe = new KafkaProbe();
    await probe.start([namer.physical(dlqTopicName(Topics.conversationEvents.name))]);
    const always = conversationEvent('acme', 'i-always-fails', 'x');
    const permanent = conversationEvent('acme', 'i-permanent', 'y');
    let permanentCalls = 0;
    await runner('maxattempts', { maxAttempts: 3 })
      .on('conversationEvents', async (e) => {
        if (e.id === always.id) throw new Error('still down');
        if (e.id === permanent.id) {
          permanentCalls += 1;
          throw new PermanentError('unknown queue', 'unknown_reference');
        }
      })
      .start();
    await producer.publish('conversationEvents', always, permanent);
    const find = (id: string) => probe.messages.find((m) => (m.json() as { id: string }).id === id);
    const a = await waitFor(() => find(always.id), { what: 'max-attempts dead letter' });
    const p = await waitFor(() => find(permanent.id), { what: 'permanent dead letter' });
    await probe.stop();
    expect(a.headers[DLQ_HEADERS.reason]).toBe('max_attempts');
    expect(a.headers[DLQ_HEADERS.attempts]).toBe('3');
    expect(a.headers[DLQ_HEADERS.error]).toBe('still down');
    expect(p.headers[DLQ_HEADERS.reason]).toBe('unknown_reference');
    expect(permanentCalls).toBe(1);
  });

  it('a consumer restarted mid-stream resumes without loss (and commits what it processed on stop)', async () => {
    const seen = new Map<string, number>();
    const events = Array.from({ length: 60 }, (_, i) =>
      conversationEvent('acme', `i-resume-${i % 6}`, `m${i}`),
    );
    const handler = async (e: TopicEvent<'conversationEvents'>) => {
      if (!e.data.interactionId.startsWith('i-resume-')) return;
      seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
    };
    const first = runner('resume');
    await first.on('conversationEvents', handler).start();
    await producer.publish('conversationEvents', ...events.slice(0, 30));
    await waitFor(() => seen.size >= 30, { what: 'first half' });
    await first.stop();
    await producer.publish('conversationEvents', ...events.slice(30));
    const second = runner('resume');
    await second.on('conversationEvents', handler).start();
    await waitFor(() => seen.size === 60, { what: 'second half after restart' });
    for (const e of events) expect(seen.has(e.id)).toBe(true);
    // offsets of the first half were committed on stop: nothing of it is redelivered
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('never dead-letters infrastructure errors: holds the partition, retries until the dependency is back, reports it in health', async () => {
    const probe = new KafkaProbe();
    await probe.start([namer.physical(dlqTopicName(Topics.conversationEvents.name))]);
    let dbUp = false;
    const seen: { id: string; attempt: number }[] = [];
    const down = conversationEvent('acme', 'k-outage', 'during outage');
    const after = conversationEvent('acme', 'k-outage', 'after it, same key');
    const r = runner('outage', { maxAttempts: 2, maxOutageDelayMs: 50, unhealthyAfterMs: 200 });
    await r
      .on('conversationEvents', async (e, ctx) => {
        if (e.id !== down.id && e.id !== after.id) return;
        if (!dbUp) {
          // what node-postgres throws for a read-only primary / a terminated backend
          throw Object.assign(new Error('cannot execute UPDATE in a read-only transaction'), {
            code: '25006',
          });
        }
        seen.push({ id: e.id, attempt: ctx.attempt });
      })
      .start();
    expect(r.health()).toEqual({ ok: true });
    await producer.publish('conversationEvents', down, after);
    await waitFor(() => !r.health().ok, { what: 'runner unhealthy during the outage' });
    expect(r.health().reason).toMatch(/held by a dependency outage .*read-only/);
    // well past maxAttempts (2) × maxDelay: a budgeted error would have been dead-lettered by now
    await new Promise((res) => setTimeout(res, 1500));
    expect(seen).toEqual([]);
    dbUp = true;
    await waitFor(() => seen.length === 2, { what: 'both processed once the dependency is back' });
    expect(seen.map((x) => x.id)).toEqual([down.id, after.id]); // order kept on the held partition
    expect(seen[0].attempt).toBe(1); // outage retries do not count against the budget
    await waitFor(() => r.health().ok, { what: 'healthy again' });
    await new Promise((res) => setTimeout(res, 300));
    await probe.stop();
    expect(probe.messages).toEqual([]);
  });

  it('handles different keys of a partition concurrently (concurrentKeys), in order per key, committing only past finished messages', async () => {
    // 8 interactions × 3 utterances on 3 partitions: some keys share a partition. The first utterance of k0
    // blocks until released; the rest must go on meanwhile, including the other keys of k0's partition.
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const events = [0, 1, 2].flatMap((j) => keys.map((k) => conversationEvent('acme', k, `m${j}`)));
    await producer.publish('conversationEvents', ...events);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const handled: { key: string; text: string; partition: number; offset: string }[] = [];
    let k0Partition = -1;
    let k0Offset = '';
    const r = runner('keyed');
    await r
      .on(
        'conversationEvents',
        async (e, ctx) => {
          const d = e.data as { interactionId: string; text: string };
          if (d.interactionId === 'k0' && d.text === 'm0') {
            k0Partition = ctx.partition;
            k0Offset = ctx.offset;
            await released;
          }
          handled.push({ key: d.interactionId, text: d.text, partition: ctx.partition, offset: ctx.offset });
        },
        { concurrentKeys: 16 },
      )
      .start();
    // everything but k0's three utterances is handled while k0's first one is stuck
    await waitFor(() => (handled.length === events.length - 3 ? true : null), {
      what: 'the other keys handled while k0 waits',
    });
    expect(handled.some((h) => h.key === 'k0')).toBe(false);
    const sharing = handled.filter((h) => h.partition === k0Partition);
    expect(sharing.length).toBeGreaterThan(0); // other keys on k0's partition did not wait for it
    // the partition's committed offset never passes the unfinished message
    await new Promise((res) => setTimeout(res, 500)); // > autoCommitInterval
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () =>
      (
        await admin.fetchOffsets({
          groupId: namer.physical('keyed'),
          topics: [namer.physical(Topics.conversationEvents.name)],
        })
      )[0].partitions.find((x) => x.partition === k0Partition)!.offset;
    const during = Number(await committed());
    expect(during === -1 || during <= Number(k0Offset)).toBe(true);
    release();
    await waitFor(() => (handled.length === events.length ? true : null), {
      what: 'k0 handled after release',
    });
    for (const k of keys)
      expect(handled.filter((h) => h.key === k).map((h) => h.text)).toEqual(['m0', 'm1', 'm2']);
    const last = Math.max(...handled.filter((h) => h.partition === k0Partition).map((h) => Number(h.offset)));
    await waitFor(async () => (Number(await committed()) === last + 1 ? true : null), {
      what: 'the whole partition committed once k0 is done',
    });
    await admin.disconnect();
  });

  describe('batch consumption (eachBatch)', () => {
    /**
     * A stand-in for a transactional batch handler: the "inbox" and "state" change only when the whole
     * batch succeeds (all or nothing, like a rolled-back transaction), and each event is applied once.
     */
    function store() {
      const inbox = new Set<string>();
      const applied = new Map<string, number>();
      const apply = (e: TopicEvent<'conversationEvents'>) => {
        if (inbox.has(e.id)) return;
        inbox.add(e.id);
        applied.set(e.id, (applied.get(e.id) ?? 0) + 1);
      };
      return { inbox, applied, apply };
    }

    it("hands a partition's valid messages to the batch handler together; a poison message is dead-lettered with its reason and the rest are committed", async () => {
      const probe = new KafkaProbe();
      await probe.start([namer.physical(dlqTopicName(Topics.conversationEvents.name))]);
      const s = store();
      const batchSizes: number[] = [];
      const singles: string[] = [];
      // one key → one partition; everything is on the topic before the consumer starts, so one fetch
      // brings the whole run
      const events = Array.from({ length: 12 }, (_, i) => conversationEvent('acme', 'k-batch', `m${i}`));
      const poison = events[5];
      const raw = producer as unknown as { sendRaw: HubProducer['sendRaw'] };
      await producer.publish('conversationEvents', ...events.slice(0, 3));
      await raw.sendRaw(Topics.conversationEvents.name, [{ key: 'k-batch', value: 'not json{' }]);
      await producer.publish('conversationEvents', ...events.slice(3));
      const handler = async (e: TopicEvent<'conversationEvents'>) => {
        singles.push(e.id);
        if (e.id === poison.id) throw new PermanentError('poisoned command', 'poison_pill');
        s.apply(e);
      };
      const batch = async (items: { event: TopicEvent<'conversationEvents'> }[]) => {
        batchSizes.push(items.length);
        // all or nothing: a poison message fails the whole "transaction" before anything is applied
        if (items.some((i) => i.event.id === poison.id)) throw new Error('batch transaction rolled back');
        for (const i of items) s.apply(i.event);
      };
      const first = runner('batch-poison');
      await first.on('conversationEvents', handler, { batch }).start();
      await waitFor(() => (s.applied.size === 11 ? true : null), { what: 'the 11 good messages applied' });
      const dead = await waitFor(() => (probe.messages.length >= 2 ? probe.messages : null), {
        what: 'two dead letters',
      });
      // the first fetch held more than one valid message: it went to the batch handler as a batch
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
      expect(first.batchStats.fallbacks).toBeGreaterThanOrEqual(1);
      // the failed batch was handled message by message: the poison once (PermanentError → no retries)
      expect(singles.filter((id) => id === poison.id)).toHaveLength(1);
      const reasons = dead.map((m) => m.headers[DLQ_HEADERS.reason]).sort();
      expect(reasons).toEqual(['invalid_json', 'poison_pill']);
      const poisoned = dead.find((m) => m.headers[DLQ_HEADERS.reason] === 'poison_pill')!;
      expect((poisoned.json() as { id: string }).id).toBe(poison.id);
      expect(poisoned.headers[DLQ_HEADERS.error]).toBe('poisoned command');
      for (const e of events) if (e !== poison) expect([e.id, s.applied.get(e.id)]).toEqual([e.id, 1]);
      expect(s.applied.has(poison.id)).toBe(false);

      // committed: a new member of the group gets only what comes after
      await first.stop();
      const later = conversationEvent('acme', 'k-batch', 'later');
      await producer.publish('conversationEvents', later);
      const seenAgain: string[] = [];
      await runner('batch-poison')
        .on('conversationEvents', async (e) => void seenAgain.push(e.id), {
          batch: async (items) => void seenAgain.push(...items.map((i) => i.event.id)),
        })
        .start();
      await waitFor(() => seenAgain.includes(later.id), { what: 'the later message' });
      await new Promise((res) => setTimeout(res, 300));
      expect(seenAgain).toEqual([later.id]);
      await probe.stop();
      expect(probe.messages).toHaveLength(2);
    });

    it('retries a batch failing with an infrastructure error as a whole, holding the partition, and never dead-letters it', async () => {
      const probe = new KafkaProbe();
      await probe.start([namer.physical(dlqTopicName(Topics.conversationEvents.name))]);
      const s = store();
      let dbUp = false;
      let singleCalls = 0;
      const events = Array.from({ length: 6 }, (_, i) => conversationEvent('acme', 'k-boutage', `m${i}`));
      await producer.publish('conversationEvents', ...events);
      const r = runner('batch-outage', { maxAttempts: 2, maxOutageDelayMs: 50, unhealthyAfterMs: 200 });
      await r
        .on(
          'conversationEvents',
          async (e) => {
            singleCalls += 1;
            s.apply(e);
          },
          {
            batch: async (items) => {
              if (!dbUp)
                throw Object.assign(new Error('terminating connection due to administrator command'), {
                  code: '57P01',
                });
              for (const i of items) s.apply(i.event);
            },
          },
        )
        .start();
      await waitFor(() => !r.health().ok, { what: 'runner unhealthy during the outage' });
      expect(r.health().reason).toMatch(/held by a dependency outage/);
      await new Promise((res) => setTimeout(res, 800));
      expect(s.applied.size).toBe(0);
      dbUp = true;
      await waitFor(() => (s.applied.size === 6 ? true : null), { what: 'all six after the outage' });
      expect(singleCalls).toBe(0); // an outage is not a reason to split the batch
      expect(r.batchStats.fallbacks).toBe(0);
      expect([...s.applied.values()].every((n) => n === 1)).toBe(true);
      await waitFor(() => r.health().ok, { what: 'healthy again' });
      await new Promise((res) => setTimeout(res, 300));
      await probe.stop();
      expect(probe.messages).toEqual([]);
    });
  });

  it('classifies infrastructure errors as transient and domain errors as not', () => {
    const pg = (code: string) => Object.assign(new Error('x'), { code });
    for (const e of [
      pg('57P01'),
      pg('25006'),
      pg('08006'),
      pg('53300'),
      pg('57014'),
      pg('ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      Object.assign(new Error('wrapped'), { cause: pg('57P01') }),
      Object.assign(new Error('Connection is closed.'), { name: 'Error' }),
      Object.assign(new Error('broker'), { name: 'KafkaJSConnectionError', retriable: true }),
      Object.assign(new Error('prisma'), { code: 'P1001' }),
    ])
      expect([e.message, isTransientError(e)]).toEqual([e.message, true]);
    for (const e of [
      pg('23505'),
      pg('22P02'),
      new Error('unknown queue'),
      new PermanentError('Connection terminated', 'x'),
      new Error('work item withdrawn: timeout'), // a domain outcome, not an infrastructure timeout
    ])
      expect([e.message, isTransientError(e)]).toEqual([e.message, false]);
  });

  it('redrives dead letters to their original topic (filter by id / since), with headers naming where they came from', async () => {
    const dlqName = namer.physical(dlqTopicName(Topics.conversationEvents.name));
    let failing = true;
    const processed: { id: string; headers: Record<string, string> }[] = [];
    const a = conversationEvent('acme', 'i-redrive-a', 'a');
    const b = conversationEvent('acme', 'i-redrive-b', 'b');
    const deadLettered: string[] = [];
    await runner('redrive', { onDeadLetter: (d) => deadLettered.push(d.offset) })
      .on('conversationEvents', async (e) => {
        if (e.id !== a.id && e.id !== b.id) return;
        if (failing) throw new PermanentError('queue not configured yet', 'unknown_reference');
        processed.push({ id: e.id, headers: {} });
      })
      .start();
    const probe = new KafkaProbe();
    await probe.start([namer.physical(Topics.conversationEvents.name)]);
    await producer.publish('conversationEvents', a, b);
    await waitFor(() => deadLettered.length === 2, { what: 'two dead letters' });
    failing = false; // the operator fixed the configuration
    const since = new Date(Date.now() - 60_000);
    const dry = await redriveDeadLetters(kafka, namer, producer, {
      topic: Topics.conversationEvents.name,
      ids: [a.id],
      dryRun: true,
    });
    expect(dry.map((m) => m.eventId)).toEqual([a.id]);
    await new Promise((res) => setTimeout(res, 300));
    expect(processed).toEqual([]); // a dry run produces nothing
    const done = await redriveDeadLetters(kafka, namer, producer, {
      topic: Topics.conversationEvents.name,
      since,
    });
    expect(done.map((m) => m.eventId).sort()).toEqual([a.id, b.id].sort());
    expect(done.every((m) => m.reason === 'unknown_reference')).toBe(true);
    await waitFor(() => processed.length === 2, { what: 'redriven messages processed' });
    const replayed = await waitFor(
      () => probe.messages.filter((m) => m.headers[REDRIVE_HEADERS.from]).length === 2 && probe.messages,
      { what: 'replayed records on the original topic' },
    );
    await probe.stop();
    const r = replayed.find(
      (m) => (m.json() as { id: string }).id === a.id && m.headers[REDRIVE_HEADERS.from],
    )!;
    expect(r.headers[REDRIVE_HEADERS.from]).toMatch(
      new RegExp(`^${Topics.conversationEvents.name}\\.dlq/\\d+/\\d+$`),
    );
    expect(r.headers[REDRIVE_HEADERS.reason]).toBe('unknown_reference');
    expect(dlqName).toContain('.dlq');
    // nothing matches a future `since`
    expect(
      await redriveDeadLetters(kafka, namer, producer, {
        topic: Topics.conversationEvents.name,
        since: new Date(Date.now() + 60_000),
      }),
    ).toEqual([]);
  });
});
