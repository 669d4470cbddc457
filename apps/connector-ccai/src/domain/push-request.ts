import { z } from 'zod';

/** A Pub/Sub message as delivered to a push endpoint, whichever the delivery format. */
export interface PushedMessage {
  /** Decoded message data (raw bytes). */
  data: Buffer;
  attributes: Record<string, string>;
  messageId: string;
  publishTime?: string;
  orderingKey?: string;
  /** Full subscription name `projects/{p}/subscriptions/{s}`. */
  subscription: string;
  deliveryAttempt?: number;
  format: 'wrapped' | 'unwrapped';
}

export type PushParseResult = { ok: true; message: PushedMessage } | { ok: false; error: string };

const SubscriptionName = z
  .string()
  .regex(
    /^projects\/[^/]+\/subscriptions\/[^/]+$/,
    'must be projects/{project}/subscriptions/{subscription}',
  );

/**
 * Wrapped push body (Pub/Sub "Receive messages from push subscriptions"): `message` with base64 `data`,
 * `attributes`, `messageId`/`message_id`, `publishTime`/`publish_time`, `orderingKey`; `subscription`;
 * `deliveryAttempt` when a dead-letter policy is set.
 */
export const WrappedPushBodySchema = z.object({
  message: z
    .object({
      data: z.base64('must be base64').optional(),
      attributes: z.record(z.string(), z.string()).optional(),
      messageId: z.string().min(1).max(200).optional(),
      message_id: z.string().min(1).max(200).optional(),
      publishTime: z.string().optional(),
      publish_time: z.string().optional(),
      orderingKey: z.string().optional(),
    })
    .refine((m) => m.messageId || m.message_id, { message: 'messageId is required', path: ['messageId'] }),
  subscription: SubscriptionName,
  deliveryAttempt: z.number().int().positive().optional(),
});

/** Header names Pub/Sub sets on unwrapped deliveries with `writeMetadata` (payload unwrapping). */
export const PUBSUB_HEADERS = {
  subscription: 'x-goog-pubsub-subscription-name',
  messageId: 'x-goog-pubsub-message-id',
  publishTime: 'x-goog-pubsub-publish-time',
  orderingKey: 'x-goog-pubsub-ordering-key',
  deliveryAttempt: 'x-goog-pubsub-delivery-attempt',
} as const;

/** Headers that are transport, not message attributes, on an unwrapped delivery. */
const TRANSPORT_HEADERS = new Set([
  'authorization',
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'accept',
  'accept-encoding',
  'connection',
  'from',
  'forwarded',
  'traceparent',
  'x-cloud-trace-context',
  'x-forwarded-for',
  'x-forwarded-proto',
]);

const issues = (e: z.ZodError, prefix = '') =>
  e.issues.map((i) => `${prefix}${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/**
 * Reads a push request in either format. Wrapped: a JSON body with `message` and `subscription`.
 * Unwrapped (`pushConfig.noWrapper.writeMetadata: true`): the body is the raw message data and the
 * metadata comes in `x-goog-pubsub-*` headers; other non-transport headers are the attributes.
 * Unwrapped deliveries without metadata cannot be mapped to a tenant or deduplicated and are refused.
 * Never throws; errors name the offending field (for a 400 answer).
 *
 * @param body    raw request body
 * @param headers lower-cased request headers
 */
export function parsePushRequest(
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
): PushParseResult {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const unwrapped =
    header(PUBSUB_HEADERS.messageId) !== undefined || header(PUBSUB_HEADERS.subscription) !== undefined;
  if (!unwrapped) {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return {
        ok: false,
        error:
          'body: not JSON (expected a wrapped push message, or x-goog-pubsub-* headers for an unwrapped one)',
      };
    }
    const parsed = WrappedPushBodySchema.safeParse(json);
    if (!parsed.success) return { ok: false, error: issues(parsed.error) };
    const { message, subscription, deliveryAttempt } = parsed.data;
    return {
      ok: true,
      message: {
        data: Buffer.from(message.data ?? '', 'base64'),
        attributes: message.attributes ?? {},
        messageId: message.messageId ?? message.message_id ?? '',
        publishTime: message.publishTime ?? message.publish_time,
        orderingKey: message.orderingKey || undefined,
        subscription,
        deliveryAttempt,
        format: 'wrapped',
      },
    };
  }
  const subscription = SubscriptionName.safeParse(header(PUBSUB_HEADERS.subscription));
  if (!subscription.success)
    return {
      ok: false,
      error: `header ${PUBSUB_HEADERS.subscription}: ${subscription.error.issues[0].message}`,
    };
  const messageId = header(PUBSUB_HEADERS.messageId);
  if (!messageId) return { ok: false, error: `header ${PUBSUB_HEADERS.messageId}: is required` };
  const attempt = header(PUBSUB_HEADERS.deliveryAttempt);
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.startsWith('x-goog-pubsub-') || TRANSPORT_HEADERS.has(k)) continue;
    attributes[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return {
    ok: true,
    message: {
      data: body,
      attributes,
      messageId,
      publishTime: header(PUBSUB_HEADERS.publishTime),
      orderingKey: header(PUBSUB_HEADERS.orderingKey) || undefined,
      subscription: subscription.data,
      deliveryAttempt: attempt && /^\d+$/.test(attempt) ? Number(attempt) : undefined,
      format: 'unwrapped',
    },
  };
}
