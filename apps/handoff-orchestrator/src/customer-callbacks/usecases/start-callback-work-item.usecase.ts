import { Injectable } from '@nestjs/common';
import { AttributesSchema, TranscriptEntrySchema, type Attributes } from '@hub/contracts';
import { z } from 'zod';
import { RequestHandoffUseCase } from '../../handoffs/usecases/request-handoff.usecase';
import type { CustomerCallback } from '../customer-callback.repository';

const Transcript = z.array(TranscriptEntrySchema).max(2000);

/**
 * At the slot time a booked callback becomes a handoff on the team's queue, through the same intake as
 * `POST /v1/handoffs` (router `create` command from the intake transaction's outbox): channel `voice` for voice
 * and video callbacks (work item type `call`), `web` for chat (type `chat`); `routing.queue_id` = the team's
 * queue and, for a booking assigned to an agent, `routing.agent_id` = that agent (the router offers it to that
 * agent only, falling back to the queue after its target wait — docs/routing.md); the booking's context becomes the handoff's attributes (scalars) and transcript (`context.transcript`,
 * when it is a valid transcript), `intent` = `context.intent`. Idempotency key `callback:<id>`: a re-fired timer
 * (crash before the commit) finds the same handoff, so the work item is created once.
 */
@Injectable()
export class StartCallbackWorkItemUseCase {
  constructor(private readonly intake: RequestHandoffUseCase) {}

  /** @throws Problem from the intake (unknown / disabled integration, unknown queue) — the timer retries */
  async execute(cb: CustomerCallback): Promise<void> {
    if (!cb.integrationId) return;
    const ctx = cb.context ?? {};
    const attributes: Attributes = {};
    for (const [k, v] of Object.entries(ctx)) {
      if (k === 'transcript') continue;
      const one = AttributesSchema.safeParse({ [k]: v });
      if (one.success) Object.assign(attributes, one.data);
    }
    Object.assign(attributes, {
      callbackId: cb.id,
      customerId: cb.customerId,
      callbackChannel: cb.channel,
      callbackStartsAt: new Date(cb.startsAt).toISOString(),
    });
    const transcript = Transcript.safeParse(ctx['transcript']);
    const conversationId = cb.conversationId ?? `callback-${cb.id}`;
    await this.intake.execute({
      tenantId: cb.tenantId,
      idempotencyKey: `callback:${cb.id}`,
      intake: 'callback',
      cause: {},
      request: {
        integrationId: cb.integrationId,
        botSessionId: `callback:${cb.id}`,
        conversationId,
        channel: cb.channel === 'chat' ? 'web' : 'voice',
        // the assigned agent gets it first (targeted routing; the router's ROUTER_TARGET_AGENT_WAIT_MS, then the queue)
        routing: { queue_id: cb.queueId, ...(cb.agentId ? { agent_id: cb.agentId } : {}) },
        transcript: transcript.success ? transcript.data : [],
        ...(typeof ctx['intent'] === 'string' ? { intent: ctx['intent'].slice(0, 200) } : {}),
        escalationReason: 'scheduled_callback',
        attributes,
        contact: {
          ...(cb.customerName ? { name: cb.customerName } : {}),
          ...(cb.customerEmail ? { email: cb.customerEmail } : {}),
          ...(cb.customerPhone ? { phone: cb.customerPhone } : {}),
        },
        priority: 50,
      },
    });
  }
}
