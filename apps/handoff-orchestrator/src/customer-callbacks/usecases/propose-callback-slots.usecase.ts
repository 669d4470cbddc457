import { Injectable } from '@nestjs/common';
import { queueCallbackPromise, type QueuePromise } from '@hub/calendars';
import type { ProposedSlot } from '@hub/calendars';
import type { ProposeSlotsBody } from '../callbacks.schemas';
import { AgentAvailabilityRepository } from '../../escalation/agent-availability.repository';
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
    private readonly agents: AgentAvailabilityRepository,
  ) {}

  /** @throws NotFoundProblem (`queueId`), UnprocessableProblem (`calendarIntegrationId`) */
  async execute(tenantId: string, body: ProposeSlotsBody, now = new Date()): Promise<SlotProposal> {
    const team = await this.availability.team(tenantId, body.queueId);
    const durationMin = body.durationMin ?? team.durations[body.channel];
    const calendar = await this.availability.calendar(team);
    const slots = await this.availability.slots(team, calendar, durationMin, now);
    if (calendar) return { mode: 'calendar', zone: team.zone, durationMin, slots, queue: null };
    const waiting = await this.repo.waitingCount(tenantId, team.queueId);
    const live = await this.agents.liveAgents(
      tenantId,
      team.queueId,
      body.channel === 'chat' ? 'chat' : 'call',
    );
    const queue = queueCallbackPromise({
      waiting,
      agentsOnline: live.agentsOnline,
      avgHandleMin: durationMin,
      slaMin: team.queueSlaMin,
    });
    return { mode: 'queue', zone: team.zone, durationMin, slots, queue };
  }
}
