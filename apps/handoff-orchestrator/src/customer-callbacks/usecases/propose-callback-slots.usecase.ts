import { Injectable } from '@nestjs/common';
import { queueCallbackPromise, type QueuePromise } from '@hub/calendars';
import type { ProposedSlot } from '@hub/calendars';
import type { ProposeSlotsBody } from '../callbacks.schemas';
import type { ForwardedCaller } from '../../escalation/forwarded-caller';
import {
  LiveAvailabilityPort,
  LiveAvailabilityUnavailable,
} from '../../escalation/live-availability.repository';
import { CustomerCallbackRepository } from '../customer-callback.repository';
import { CallbackAvailability } from './callback-availability';

/** What propose_callback_slots answers. */
export interface SlotProposal {
  /** `calendar`: book one of `slots`; `queue`: no calendar — `queue` is the promise, `slots` the free grid times. */
  mode: 'calendar' | 'queue';
  zone: string;
  durationMin: number;
  slots: ProposedSlot[];
  queue: QueuePromise | null;
}

/**
 * `propose_callback_slots(customer_id, channel, duration)`: up to 3 slots from the team's hours, grid, buffers and
 * notice minus its calendar's busy time and booked callbacks. A team without a calendar gets the queue model
 * ("we'll call you within X minutes", soft SLA) and its free grid slots.
 */
@Injectable()
export class ProposeCallbackSlotsUseCase {
  constructor(
    private readonly availability: CallbackAvailability,
    private readonly repo: CustomerCallbackRepository,
    private readonly live: LiveAvailabilityPort,
  ) {}

  /** @throws NotFoundProblem (`queueId`), UnprocessableProblem (`calendarIntegrationId`) */
  /**
   * @param credential the caller's `Authorization` header, forwarded to the router for the queue model's online
   *                   agents (router not configured / unreachable → the promise is the team's SLA)
   */
  async execute(
    tenantId: string,
    body: ProposeSlotsBody,
    credential?: string,
    now = new Date(),
  ): Promise<SlotProposal> {
    const team = await this.availability.team(tenantId, body.queueId);
    const durationMin = body.durationMin ?? team.durations[body.channel];
    const calendar = await this.availability.calendar(team);
    const slots = await this.availability.slots(team, calendar, durationMin, now);
    if (calendar) return { mode: 'calendar', zone: team.zone, durationMin, slots, queue: null };
    const waiting = await this.repo.waitingCount(tenantId, team.queueId);
    const queue = queueCallbackPromise({
      waiting,
      agentsOnline: await this.onlineAgents(team.queueId, { tenantId, authorization: credential }),
      avgHandleMin: durationMin,
      slaMin: team.queueSlaMin,
    });
    return { mode: 'queue', zone: team.zone, durationMin, slots, queue };
  }

  /** Online agents of the queue from the router (0 when it cannot tell: the promise is then the SLA). */
  private async onlineAgents(queueId: string, caller: ForwardedCaller): Promise<number> {
    try {
      return (await this.live.queue(queueId, caller))?.onlineAgents ?? 0;
    } catch (e) {
      if (e instanceof LiveAvailabilityUnavailable) return 0;
      throw e;
    }
  }
}
