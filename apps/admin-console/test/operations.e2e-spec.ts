import { randomUUID } from 'node:crypto';
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import { Topics, newEnvelope, type TopicEvent } from '@hub/contracts';
import { ConsumerRunner, HubProducer, PermanentError, TopicNamer, createKafka } from '@hub/messaging';
import { createLogger } from '@hub/observability';
import { api, waitFor } from '@hub/testing';
import { ConsoleHarness, screenshot, seriousViolations } from './support/console-harness';

jest.setTimeout(240_000);

const logger = createLogger('console-ops-test', process.env['TEST_LOG_LEVEL'] ?? 'silent');

describe('console: Service health and Event inspector with redrive (Chromium, ops-service on real Kafka)', () => {
  const h = new ConsoleHarness('console-ops');
  let producer: HubProducer;
  let runner: ConsumerRunner;
  const handled: string[] = [];
  const poisoned = new Set<string>();

  beforeAll(async () => {
    await h.start({}, { ops: true });
    const kafka = createKafka({
      config: loadConfig('t', KafkaConfigSchema, h.world.env),
      clientId: 'c',
      logger,
    });
    const namer = new TopicNamer(h.world.kafkaNamespace);
    producer = new HubProducer(kafka, namer);
    await producer.connect();
    // a real consumer of the topic: poisoned events fail permanently → dead letter with the reason
    runner = new ConsumerRunner(kafka, {
      groupId: namer.physical('console-ops-consumer'),
      namer,
      producer,
      logger,
    });
    await runner
      .on('conversationEvents', async (e) => {
        if (poisoned.has(e.id)) throw new PermanentError('no knowledge base mapped for this queue');
        handled.push(e.id);
      })
      .start();
  }, 240_000);

  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
    await h.stop();
  }, 60_000);

  it('shows arrivals per connector, inspects a conversation, and redrives its dead letter once', async () => {
    const conv = `call-${randomUUID()}`;
    const event = (text: string) =>
      newEnvelope({
        type: 'conversation.event',
        version: 1,
        tenantId: h.tenant,
        source: 'connector-audiohook',
        correlationId: conv,
        data: {
          kind: 'utterance',
          interactionId: conv,
          provider: 'genesys',
          utteranceId: randomUUID(),
          speaker: 'customer',
          text,
          isFinal: true,
        },
      }) as TopicEvent<'conversationEvents'>;
    const good = event('I would like to book a room at Kirkwood House');
    const bad = event('Is there free parking at Kirkwood House?');
    poisoned.add(bad.id);
    await producer.publish('conversationEvents', good);
    await producer.publish('conversationEvents', bad);
    await waitFor(
      async () =>
        (
          (await api(`${h.ops!.url}/v1/ops/dead-letters`, 'GET', undefined, h.headers())).body
            .items as unknown[]
        )?.length === 1,
      { what: 'dead letter seen by ops-service', timeoutMs: 60_000 },
    );

    // Service health: the connector's row with 2 events and 1 error
    const page = await h.signedInPage('/operations/health');
    const row = page.locator('[data-testid="health-table"] tr[data-source="connector-audiohook"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual(['connector-audiohook', Topics.conversationEvents.name, '2']);
    expect(cells[5]).toBe('1');
    await page.getByText('Consumer lag is platform-wide').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'service-health');

    // Event inspector: the conversation's events across topics, its dead letter with the reason
    await page.getByRole('link', { name: 'Event inspector' }).click();
    await page.getByLabel('Conversation id').fill(conv);
    await page.getByRole('button', { name: 'Inspect' }).click();
    const events = page.getByTestId('conversation-events');
    await events.waitFor();
    await expect(events.locator('tbody tr').count()).resolves.toBe(2);
    const dead = page.locator(`[data-testid="dead-letters"] tr[data-event-id="${bad.id}"]`);
    await dead.waitFor();
    await expect(dead.textContent()).resolves.toContain('no knowledge base mapped for this queue');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'event-inspector');

    // Redrive: the cause is fixed, the message goes back and is handled; the row then says who redrove it
    poisoned.delete(bad.id);
    await dead.getByRole('button', { name: 'Redrive' }).click();
    await page.getByText(`Redriven to ${Topics.conversationEvents.name}.`).waitFor();
    await waitFor(() => handled.includes(bad.id), { what: 'redriven event handled', timeoutMs: 60_000 });
    await dead.getByText(/Redriven by apikey:/).waitFor();
    expect(await dead.getByRole('button', { name: 'Redrive' }).count()).toBe(0);
    // idempotent at the API too: a second request for the same dead letter produces nothing
    const [d] = (await api(`${h.ops!.url}/v1/ops/dead-letters`, 'GET', undefined, h.headers())).body
      .items as {
      dlqTopic: string;
      partition: number;
      offset: string;
    }[];
    const again = await api(
      `${h.ops!.url}/v1/ops/dead-letters/redrive`,
      'POST',
      { dlqTopic: d.dlqTopic, partition: d.partition, offset: d.offset },
      h.headers(),
    );
    expect([again.status, again.body.outcome]).toEqual([200, 'already_redriven']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(handled.filter((id) => id === bad.id)).toHaveLength(1);
  });
});
