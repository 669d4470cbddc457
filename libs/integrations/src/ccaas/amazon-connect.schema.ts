import { z } from 'zod';

/** AWS region name, e.g. `us-east-1`, `eu-west-2`, `us-gov-west-1`, `ap-southeast-1`. */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
/** Connect resource ids (instance, contact flow, queue) are UUIDs. */
const connectId = z.uuid();

/** One mapping rule: the first rule whose `intent` / `category` both match (when given) wins. */
const matchRule = z
  .object({
    /** Matches the handoff's `intent` (case-insensitive). */
    intent: z.string().min(1).max(200).optional(),
    /** Matches the handoff's `routing.category` (case-insensitive). */
    category: z.string().min(1).max(200).optional(),
  })
  .refine((r) => r.intent !== undefined || r.category !== undefined, {
    message: 'a mapping needs intent or category',
    path: ['intent'],
  });

/**
 * Amazon Connect (`amazon_connect`, seed 004) — non-secret settings. Either long-lived IAM keys
 * (`secrets.accessKeyId` + `secrets.secretAccessKey`), or `roleArn` (+ `externalId`) assumed through
 * STS `AssumeRole` (base credentials: the keys when set, else the hub's own AWS credential chain);
 * temporary credentials are refreshed before they expire.
 */
export const AmazonConnectConfigSchema = z
  .object({
    /** Instance id (the last part of the instance ARN). */
    instanceId: connectId,
    region: z.string().regex(REGION, 'an AWS region such as us-east-1'),
    /** IAM role to assume (`arn:aws:iam::<account>:role/<name>`). */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN')
      .optional(),
    /** STS `ExternalId` the role's trust policy requires (2–1224 chars of `[\w+=,.@:/-]`). */
    externalId: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/)
      .optional(),
    /** Contact flow used when no flow mapping matches (must be published; checked at configuration). */
    defaultContactFlowId: connectId,
    /** Intent/category → contact flow. */
    flowMappings: z
      .array(z.intersection(matchRule, z.object({ contactFlowId: connectId })))
      .max(200)
      .default([]),
    /** Intent/category → queue (voice: `QueueId` of `StartOutboundVoiceContact`; chat: `ob_queue_id` attribute). */
    queueMappings: z
      .array(z.intersection(matchRule, z.object({ queueId: connectId })))
      .max(200)
      .default([]),
    /** Caller id for outbound voice handoffs (E.164); without it the flow's queue number is used. */
    sourcePhoneNumber: z
      .string()
      .regex(/^\+[1-9]\d{1,14}$/)
      .optional(),
    /** Chat duration, minutes (Connect: 60–10080). */
    chatDurationMinutes: z.number().int().min(60).max(10080).default(1500),
    /**
     * Endpoint override for every AWS call (Connect, Participant Service, STS): VPC interface endpoints
     * or a local test server. Vetted by the outbound URL policy when written and before use.
     */
    endpoint: z.url().optional(),
    /**
     * Contact events (voice progress) delivered by an EventBridge rule → API destination to
     * `POST /v1/ccaas/webhooks/{integrationId}`: how its connection authenticates. `api_key` — header
     * `headerName` carries `secrets.contactEventsSecret`; `basic` — `Authorization: Basic` of
     * `username` : `secrets.contactEventsSecret`. Without it every contact event is refused (401).
     */
    contactEvents: z
      .object({
        auth: z.enum(['api_key', 'basic']).default('api_key'),
        headerName: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,128}$/, 'an HTTP header name')
          .default('x-hub-connect-events-key'),
        username: z.string().min(1).max(512).optional(),
      })
      .refine((e) => e.auth !== 'basic' || e.username !== undefined, {
        message: 'basic auth needs username',
        path: ['username'],
      })
      .optional(),
  })
  .refine((c) => c.externalId === undefined || c.roleArn !== undefined, {
    message: 'externalId needs roleArn',
    path: ['externalId'],
  });

/** Amazon Connect credentials (encrypted at rest). Both or neither of the key fields. */
export const AmazonConnectSecretsSchema = z
  .object({
    accessKeyId: z
      .string()
      .regex(/^(AKIA|ASIA)[A-Z0-9]{12,124}$/, 'an AWS access key id (AKIA…)')
      .optional(),
    secretAccessKey: z.string().min(16).max(128).optional(),
    /** The API destination connection's API key value / Basic password (see `config.contactEvents`). */
    contactEventsSecret: z.string().min(24).max(512).optional(),
  })
  .refine((s) => (s.accessKeyId === undefined) === (s.secretAccessKey === undefined), {
    message: 'accessKeyId and secretAccessKey go together',
    path: ['secretAccessKey'],
  })
  .default({});

export type AmazonConnectConfig = z.infer<typeof AmazonConnectConfigSchema>;
export type AmazonConnectSecrets = z.infer<typeof AmazonConnectSecretsSchema>;
