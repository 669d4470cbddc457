/** Creates every catalogue topic and its DLQ (used by tools/infra/up.sh). Env: KAFKA_BROKERS etc. */
import { KafkaConfigSchema, loadConfig } from '@hub/config';
import { createLogger } from '@hub/observability';
import { createKafka, TopicNamer } from '../kafka-client';
import { provisionTopics } from '../topic-provisioner';

async function main() {
  const config = loadConfig('provision-topics', KafkaConfigSchema, {
    KAFKA_BROKERS: '127.0.0.1:9092',
    ...process.env,
  });
  const logger = createLogger('provision-topics', 'warn');
  const kafka = createKafka({ config, clientId: 'provision-topics', logger });
  const created = await provisionTopics(
    kafka,
    new TopicNamer(config.KAFKA_TOPIC_NAMESPACE),
    config.KAFKA_TOPIC_PARTITIONS,
    config.KAFKA_REPLICATION_FACTOR,
  );
  console.log(created.length ? `created topics: ${created.join(', ')}` : 'all topics exist');
}
main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
