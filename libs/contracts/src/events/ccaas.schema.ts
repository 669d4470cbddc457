import { z } from 'zod';
import { envelopeOf } from '../envelope';

/**
 * Commands to the contact-center bridge of the handoff orchestrator (`hub.ccaas.commands.v1`, key: handoff
 * id — one handoff's commands stay in order on one partition, so one bridge consumer owns them):
 * - `start`: create the platform contact of an external handoff (Amazon Connect, Genesys Cloud, 8x8) with
 *   its context; written with the handoff in the intake transaction (outbox), never a vendor call inside
 *   an HTTP request;
 * - `end`: end the platform contact (Handoff node timeout, bot cancel, customer left);
 * - `save_summary`: write the hub's final summary of the handoff back to the platform as the wrap-up note
 *   (Genesys Cloud, seed 001 "Save summary"), once the agent's side of an accepted contact ended.
 * The integration's type picks the vendor adapter (`@hub/ccaas`).
 */
export const CcaasCommandSchema = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('start'),
    handoffId: z.uuid(),
    integrationId: z.uuid(),
    /** Integration type, e.g. `amazon_connect`. */
    target: z.string().min(1).max(64),
  }),
  z.object({
    command: z.literal('end'),
    handoffId: z.uuid(),
    integrationId: z.uuid(),
    target: z.string().min(1).max(64),
    reason: z.enum(['timeout', 'withdrawn', 'customer_left']),
  }),
  z.object({
    command: z.literal('save_summary'),
    handoffId: z.uuid(),
    integrationId: z.uuid(),
    target: z.string().min(1).max(64),
  }),
]);
export type CcaasCommand = z.infer<typeof CcaasCommandSchema>;
export const CcaasCommandEventSchema = envelopeOf('ccaas.command', 1, CcaasCommandSchema);
