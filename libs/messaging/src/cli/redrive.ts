/**
 * `npm run dlq:redrive -- --topic <logical topic> [--since <ISO time>] [--id <event id | partition/offset>]… [--dry-run]`
 * Replays dead letters of `<topic>.dlq` to `<topic>` (see redriveDeadLetters). Env: KAFKA_BROKERS,
 * KAFKA_TOPIC_NAMESPACE. Prints one JSON line per replayed message and a summary; exit 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { Topics } from '@hub/contracts';
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import { createLogger } from '@hub/observability';
import { createKafka, TopicNamer } from '../kafka-client';
import { HubProducer } from '../producer';
import { redriveDeadLetters } from '../redrive';

async function main(): Promise<number> {
  let values: { topic?: string; since?: string; id?: string[]; 'dry-run'?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        topic: { type: 'string' },
        since: { type: 'string' },
        id: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const known = Object.values(Topics).map((t) => t.name);
  if (!values.topic || !known.includes(values.topic)) {
    console.error(`--topic: must be one of ${known.join(', ')}`);
    return 2;
  }
  const since = values.since ? new Date(values.since) : undefined;
  if (since && Number.isNaN(since.getTime())) {
    console.error('--since: must be an ISO 8601 date-time');
    return 2;
  }
  const config = loadConfig('dlq-redrive', KafkaConfigSchema, {
    KAFKA_BROKERS: '127.0.0.1:9092',
    ...process.env,
  });
  const logger = createLogger('dlq-redrive', 'warn');
  const kafka = createKafka({ config, clientId: 'dlq-redrive', logger });
  const namer = new TopicNamer(config.KAFKA_TOPIC_NAMESPACE);
  const producer = new HubProducer(kafka, namer);
  await producer.connect();
  try {
    const done = await redriveDeadLetters(kafka, namer, producer, {
      topic: values.topic,
      since,
      ids: values.id,
      dryRun: values['dry-run'],
      logger,
    });
    for (const m of done) console.log(JSON.stringify(m));
    console.log(
      `${values['dry-run'] ? 'would redrive' : 'redriven'}: ${done.length} message(s) to ${values.topic}`,
    );
  } finally {
    await producer.disconnect();
  }
  return 0;
}
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
