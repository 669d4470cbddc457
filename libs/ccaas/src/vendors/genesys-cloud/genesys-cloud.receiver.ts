import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  WebhookRejectedError,
  type TargetEvent,
  type TargetIntegration,
  type WebhookReceiver,
} from '../../core/target';
import type { GenesysCloudConfig, GenesysCloudSecrets } from './genesys-cloud.client';

/** Webhook messages whose `channel.time` is older than this are refused as replays, ms. */
export const GENESYS_WEBHOOK_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * One outbound Open Messaging notification (Genesys "Open Messaging — outbound messages": the normalized message
 * Genesys POSTs to `outboundNotificationWebhookUrl`). Only the fields the hub reads; others pass.
 */
const OutboundMessage = z.looseObject({
  id: z.string().min(1),
  channel: z.looseObject({
    id: z.string().optional(),
    platform: z.string().optional(),
    to: z.looseObject({ id: z.string().min(1) }),
    from: z.looseObject({ id: z.string().optional(), nickname: z.string().optional() }).optional(),
    time: z.string().optional(),
    messageId: z.string().optional(),
  }),
  type: z.string(),
  text: z.string().optional(),
  direction: z.string().optional(),
  originatingEntity: z.string().optional(),
  conversationId: z.string().optional(),
  /** `content[]`: `Attachment` elements (`ConversationContentAttachment`) carry the agent's files. */
  content: z
    .array(
      z.looseObject({
        contentType: z.string().optional(),
        attachment: z
          .looseObject({
            id: z.string().optional(),
            mediaType: z.string().optional(),
            url: z.string().optional(),
            mime: z.string().optional(),
            filename: z.string().optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  events: z
    .array(
      z.looseObject({
        eventType: z.string(),
        typing: z.looseObject({ type: z.string().optional() }).optional(),
        presence: z.looseObject({ type: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

/**
 * Receiver of Genesys Cloud's Open Messaging webhook (`POST /v1/ccaas/webhooks/{integrationId}`).
 *
 * - Signature: `X-Hub-Signature-256: sha256=<base64(HMAC-SHA256(secret, raw body))>` with the integration's
 *   `outboundNotificationWebhookSignatureSecretToken`; compared in constant time. Missing or wrong →
 *   {@link WebhookRejectedError} (401). Messages older than {@link GENESYS_WEBHOOK_MAX_AGE_MS} are refused too.
 * - Dedupe: `eventId` is Genesys' message id (`id`), the same on every retry, so the orchestrator's sink drops
 *   redeliveries; the first human message or typing of a conversation also yields `accepted` with the stable id
 *   `accepted:{to.id}` (Open Messaging has no "agent joined" notification).
 * - Mapping: outbound `Text` (and `Structured` with text: quick replies) → `agent_message`; its `content[]`
 *   `Attachment`s → `agent_file` (Genesys' download URL, `mime`, `filename`; size not reported → 0); `Event` with
 *   `Typing` → `agent_typing`; `Event` with
 *   `Presence`/`Disconnect` (the agent ended the conversation) → `ended` by agent; receipts and inbound echoes → none.
 * Pure and fast (no I/O): answers well within Genesys' 10 s.
 */
export class GenesysCloudWebhookReceiver implements WebhookReceiver<GenesysCloudConfig, GenesysCloudSecrets> {
  readonly type = 'genesys_cloud';

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * @throws WebhookRejectedError (`signature`, `malformed`, `stale`)
   */
  async verifyAndParse(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    integration: TargetIntegration<GenesysCloudConfig, GenesysCloudSecrets>,
  ): Promise<{ externalContactId: string; eventId: string; event: TargetEvent }[]> {
    verifyGenesysSignature(
      rawBody,
      header(headers, 'x-hub-signature-256'),
      integration.secrets.webhookSignatureSecret,
    );
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookRejectedError('malformed');
    }
    const parsed = OutboundMessage.safeParse(json);
    if (!parsed.success) throw new WebhookRejectedError('malformed');
    const m = parsed.data;
    const at =
      m.channel.time && !Number.isNaN(Date.parse(m.channel.time))
        ? new Date(m.channel.time).toISOString()
        : new Date(this.now()).toISOString();
    if (this.now() - Date.parse(at) > GENESYS_WEBHOOK_MAX_AGE_MS) throw new WebhookRejectedError('stale');
    if (m.direction && m.direction !== 'Outbound') return [];
    const contact = m.channel.to.id;
    const human = (m.originatingEntity ?? 'Human') === 'Human';
    const agent = {
      ...(m.channel.from?.id ? { id: m.channel.from.id } : {}),
      ...(m.channel.from?.nickname ? { name: m.channel.from.nickname } : {}),
    };
    const out: { externalContactId: string; eventId: string; event: TargetEvent }[] = [];
    const accepted = () => {
      if (human)
        out.push({
          externalContactId: contact,
          eventId: `accepted:${contact}`,
          event: { kind: 'accepted', at, agent },
        });
    };
    const files = (m.content ?? []).flatMap((c) =>
      c.contentType === 'Attachment' && c.attachment?.url ? [{ ...c.attachment, url: c.attachment.url }] : [],
    );
    if ((m.type === 'Text' || m.type === 'Structured') && (m.text || files.length)) {
      accepted();
      if (m.text) {
        out.push({
          externalContactId: contact,
          eventId: m.id,
          event: { kind: 'agent_message', at, messageId: m.id, text: m.text, agent },
        });
      }
      files.forEach((a, i) => {
        const eventId = `${m.id}:file:${i}`;
        out.push({
          externalContactId: contact,
          eventId,
          event: {
            kind: 'agent_file',
            at,
            messageId: eventId,
            file: {
              id: a.id ?? eventId,
              name: a.filename ?? 'attachment',
              contentType: a.mime ?? 'application/octet-stream',
              sizeBytes: 0,
              url: a.url,
            },
            agent,
          },
        });
      });
    } else if (m.type === 'Event') {
      (m.events ?? []).forEach((e, i) => {
        const eventId = (m.events?.length ?? 0) > 1 ? `${m.id}:${i}` : m.id;
        if (e.eventType === 'Typing') {
          accepted();
          out.push({ externalContactId: contact, eventId, event: { kind: 'agent_typing', at } });
        } else if (e.eventType === 'Presence' && e.presence?.type === 'Disconnect') {
          out.push({ externalContactId: contact, eventId, event: { kind: 'ended', at, by: 'agent' } });
        }
      });
    }
    return out;
  }
}

/**
 * Checks `X-Hub-Signature-256` (`sha256=` + base64 HMAC-SHA256 of the raw body) in constant time.
 * @throws WebhookRejectedError('signature')
 */
export function verifyGenesysSignature(rawBody: Buffer, value: string | undefined, secret: string): void {
  const m = /^sha256=([A-Za-z0-9+/]+={0,2})$/.exec(value?.trim() ?? '');
  if (!m) throw new WebhookRejectedError('signature');
  const given = Buffer.from(m[1], 'base64');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookRejectedError('signature');
  }
}

/** `X-Hub-Signature-256` value for `rawBody` (what Genesys sends; used by the test fake). */
export function signGenesysWebhook(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('base64')}`;
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}
