import { z } from 'zod';
import { allTopics, dlqTopicName } from './topics';

/** JSON Schema (draft 2020-12) of one topic's envelope, as produced by zod's `toJSONSchema`. */
export function jsonSchemaForTopic(topicName: string): Record<string, unknown> {
  const def = allTopics.find((t) => t.name === topicName);
  if (!def) throw new Error(`unknown topic ${topicName}`);
  const schema = z.toJSONSchema(def.schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return { $id: `https://engagement-hub.dev/schemas/${topicName}.json`, title: topicName, ...schema };
}

/**
 * The message types of a topic: one per option of a top-level discriminated union on the envelope
 * `type` (e.g. `assist.suggestion` and `assist.suggestion.delta` share `hub.assist.suggestions.v1`
 * so they stay ordered per key), otherwise the topic's one envelope schema.
 */
function messageSchemasOf(schema: z.ZodTypeAny): { type?: string; schema: z.ZodTypeAny }[] {
  if (!(schema instanceof z.ZodDiscriminatedUnion)) return [{ schema }];
  return (schema.options as z.ZodTypeAny[]).map((option) => {
    const type = (option as z.ZodObject<{ type: z.ZodLiteral<string> }>).shape.type.value;
    return { type, schema: option };
  });
}

/**
 * Builds the AsyncAPI 3.0.0 document (https://www.asyncapi.com/docs/reference/specification/v3.0.0)
 * for every topic in the catalogue, from the same zod schemas that producers and consumers validate.
 * A topic carrying several event types (a discriminated union on `type`) gets one message per type:
 * the first keeps the topic's message id, the others are `<topic id>__<type id>`.
 * Returns a plain object; serialise with YAML or JSON.
 */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const t of allTopics) {
    const id = t.name.replace(/\./g, '_');
    const variants = messageSchemasOf(t.schema);
    const ids: string[] = [];
    variants.forEach((v, i) => {
      const messageId = i === 0 || !v.type ? id : `${id}__${v.type.replace(/\./g, '_')}`;
      ids.push(messageId);
      const {
        $schema: _s,
        $id: _id,
        title: _title,
        ...payload
      } = z.toJSONSchema(v.schema, {
        target: 'draft-2020-12',
        io: 'input',
        unrepresentable: 'any',
      }) as Record<string, unknown>;
      messages[messageId] = {
        name: v.type ?? t.name,
        title: v.type ? `${t.name} ${v.type}` : t.name,
        summary: t.description,
        contentType: 'application/json',
        payload,
        bindings: {
          kafka: { key: { type: 'string', description: 'partition key (keeps one conversation ordered)' } },
        },
      };
    });
    channels[id] = {
      address: t.name,
      description: `${t.description} Producers: ${t.producers.join(', ')}. Consumers: ${t.consumers.join(', ')}. Dead letters go to ${dlqTopicName(t.name)}.`,
      messages: Object.fromEntries(ids.map((m) => [m, { $ref: `#/components/messages/${m}` }])),
    };
    const refs = ids.map((m) => ({ $ref: `#/channels/${id}/messages/${m}` }));
    operations[`publish_${id}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${id}` },
      messages: refs,
    };
    operations[`consume_${id}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${id}` },
      messages: refs,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Engagement Hub events',
      version: '1.0.0',
      description:
        'Kafka topics of Engagement Hub. Every message is a JSON envelope (id, type, version, tenantId, occurredAt, source, correlationId, causationId, W3C traceparent) with a typed `data`. Generated from libs/contracts — do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'single-node KRaft broker from tools/infra',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}
