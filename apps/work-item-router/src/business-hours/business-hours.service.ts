import { Injectable } from '@nestjs/common';
import { badRequest } from '@hub/http';
import { BusinessHours, checkHolidayRule, type BusinessHoursSpec } from '@hub/scheduling';
import { DateTime } from 'luxon';
import { AdminRepository } from '../admin/admin.repository';
import { notFound } from '../admin/http-errors';
import { BusinessHoursRepository, type StoredBusinessHours } from './business-hours.repository';
import type {
  BusinessHoursView,
  QueueAvailabilityView,
  WorkItemPositionView,
} from './business-hours.schemas';

/** Built schedules kept per (queue, revision); building one constructs a holiday calendar. */
const MAX_CACHED = 1000;

/**
 * Use cases of the queues' business hours and availability (issue 11 part 2, docs/business-hours.md):
 * store / read / remove a queue's schedule, answer "open now, next opening, online agents, free capacity,
 * estimated wait, waiting count" for a queue, and a waiting work item's position.
 */
@Injectable()
export class BusinessHoursService {
  private readonly built = new Map<string, BusinessHours>();

  constructor(
    private readonly repo: BusinessHoursRepository,
    private readonly admin: AdminRepository,
  ) {}

  /** The queue's schedule with open-now / next-opening. @throws 404 unknown queue */
  async get(tenantId: string, queueId: string, now = Date.now()): Promise<BusinessHoursView> {
    if (!(await this.admin.findQueue(tenantId, queueId))) throw notFound(`unknown queue ${queueId}`);
    return this.view(queueId, await this.repo.find(tenantId, queueId), now);
  }

  /**
   * Replaces the queue's schedule. The body was validated by the zod schema; here the holiday region is checked
   * against date-holidays. @throws 400 `holidays.country|state|region`, 404 unknown queue
   */
  async put(
    tenantId: string,
    queueId: string,
    spec: BusinessHoursSpec,
    now = Date.now(),
  ): Promise<BusinessHoursView> {
    if (spec.holidays) {
      const issue = checkHolidayRule(spec.holidays);
      if (issue) throw badRequest([issue]);
    }
    if (!(await this.admin.findQueue(tenantId, queueId))) throw notFound(`unknown queue ${queueId}`);
    return this.view(queueId, await this.repo.put(tenantId, queueId, spec), now);
  }

  /**
   * Removes the queue's schedule (it is then always open). @returns the view after removal (schedule null)
   * @throws 404 unknown queue or no schedule
   */
  async remove(tenantId: string, queueId: string, now = Date.now()): Promise<BusinessHoursView> {
    if (!(await this.admin.findQueue(tenantId, queueId))) throw notFound(`unknown queue ${queueId}`);
    if (!(await this.repo.remove(tenantId, queueId)))
      throw notFound(`queue ${queueId} has no business hours`);
    return this.view(queueId, null, now);
  }

  /**
   * Availability of a queue now. `queueRef` = a queue id or `default` (the tenant's default queue).
   * @throws 404 unknown queue
   */
  async availability(tenantId: string, queueRef: string, now = Date.now()): Promise<QueueAvailabilityView> {
    const queue =
      queueRef === 'default'
        ? ((await this.admin.listQueues(tenantId)).find((q) => q.isDefault) ?? null)
        : await this.admin.findQueue(tenantId, queueRef);
    if (!queue)
      throw notFound(
        queueRef === 'default' ? 'the tenant has no default queue' : `unknown queue ${queueRef}`,
      );
    const stats = await this.repo.stats(tenantId, queue.id);
    if (!stats) throw notFound(`unknown queue ${queue.id}`);
    const hours = stats.hours && this.schedule(stats.hours);
    const zone = hours?.timeZone ?? 'UTC';
    const iso = (ms: number | null) =>
      ms === null ? null : (DateTime.fromMillis(ms, { zone }).toISO() as string);
    const openNow = hours ? hours.isOpen(now) : true;
    return {
      queueId: queue.id,
      active: queue.active,
      hasBusinessHours: !!hours,
      timeZone: hours?.timeZone ?? null,
      openNow,
      nextOpening: iso(hours ? hours.nextOpening(now) : now),
      closesAt: iso(hours && openNow ? hours.closesAt(now) : null),
      onlineAgents: stats.onlineAgents,
      freeCapacity: stats.freeCapacity,
      waiting: stats.waiting.chat + stats.waiting.call,
      waitingByType: stats.waiting,
      estimatedWaitMs: stats.medianPickupMs,
      estimatedWaitSamples: stats.samples,
      at: iso(now) as string,
    };
  }

  /** A work item's place in its queue, with the queue's estimated wait. @throws 404 unknown work item */
  async position(tenantId: string, workItemId: string): Promise<WorkItemPositionView> {
    const p = await this.repo.position(tenantId, workItemId);
    if (!p) throw notFound(`unknown work item ${workItemId}`);
    const stats = p.queueId && p.position !== null ? await this.repo.stats(tenantId, p.queueId) : null;
    return { ...p, estimatedWaitMs: stats?.medianPickupMs ?? null };
  }

  private view(queueId: string, stored: StoredBusinessHours | null, now: number): BusinessHoursView {
    if (!stored) {
      return {
        queueId,
        schedule: null,
        revision: 0,
        updatedAt: null,
        openNow: true,
        nextOpening: new Date(now).toISOString(),
      };
    }
    const hours = this.schedule(stored);
    const next = hours.nextOpening(now);
    return {
      queueId,
      schedule: stored.schedule,
      revision: stored.revision,
      updatedAt: stored.updatedAt.toISOString(),
      openNow: hours.isOpen(now),
      nextOpening:
        next === null ? null : (DateTime.fromMillis(next, { zone: hours.timeZone }).toISO() as string),
    };
  }

  /** The built schedule of a stored row, cached per (queue, revision). */
  private schedule(stored: StoredBusinessHours): BusinessHours {
    const key = `${stored.queueId}:${stored.revision}`;
    let hours = this.built.get(key);
    if (!hours) {
      hours = BusinessHours.from(stored.schedule);
      if (this.built.size >= MAX_CACHED) this.built.delete(this.built.keys().next().value as string);
      this.built.set(key, hours);
    }
    return hours;
  }
}
