import { z } from 'zod';
import { forwardedHeaders, type ForwardedCaller } from './forwarded-caller';

/**
 * A queue's live-agent availability as the work-item router answers it (`GET /v1/queues/{id}/availability`,
 * apps/work-item-router/src/business-hours, docs/business-hours.md). Instants are ISO 8601 with offset.
 */
export interface QueueAvailability {
  queueId: string;
  active: boolean;
  hasBusinessHours: boolean;
  timeZone: string | null;
  openNow: boolean;
  /** Start of the next opening when closed (now when open); null: none within a year. */
  nextOpening: string | null;
  onlineAgents: number;
  /** Free slots over online member agents, per work-item type. */
  freeCapacity: { chat: number; call: number };
  /** Work items waiting in the queue. */
  waiting: number;
  /** Median time to pickup of the queue's recent items, ms; null without recent pickups. */
  estimatedWaitMs: number | null;
}

/** The router could not answer (not configured, timeout, unreachable, refused credential, bad answer). */
export class LiveAvailabilityUnavailable extends Error {
  constructor(
    /** `not_configured | timeout | unreachable | http_<status> | bad_response` */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LiveAvailabilityUnavailable';
  }
}

/** Port: live-agent availability of a queue (the router owns queues, agents and their hours). */
export abstract class LiveAvailabilityPort {
  /**
   * @param queueRef a queue id, or `default` (the tenant's default queue)
   * @param caller the caller's tenant and `Authorization` header value, forwarded (the router scopes the answer by
   *               its tenant; it needs `routing:read`)
   * @returns the availability, or null when the router knows no such queue of the tenant (404)
   * @throws LiveAvailabilityUnavailable when no usable answer came within the timeout
   */
  abstract queue(queueRef: string, caller: ForwardedCaller): Promise<QueueAvailability | null>;
}

/** Options of {@link RouterLiveAvailability}. */
export interface RouterLiveAvailabilityOptions {
  /** Base URL of the work-item router (ESCALATION_ROUTER_URL); undefined = not configured. */
  baseUrl?: string;
  /** Upper bound on one call, ms (ESCALATION_ROUTER_TIMEOUT_MS). */
  timeoutMs: number;
}

const AvailabilitySchema = z.object({
  queueId: z.uuid(),
  active: z.boolean(),
  hasBusinessHours: z.boolean(),
  timeZone: z.string().nullable(),
  openNow: z.boolean(),
  nextOpening: z.string().nullable(),
  onlineAgents: z.number().int().min(0),
  freeCapacity: z.object({ chat: z.number().int().min(0), call: z.number().int().min(0) }),
  waiting: z.number().int().min(0),
  estimatedWaitMs: z.number().int().min(0).nullable(),
});

/**
 * {@link LiveAvailabilityPort} over the router's `GET /v1/queues/{id}/availability`: one GET with the caller's
 * credential, aborted after `timeoutMs`. The URL is the operator's configuration (an internal service), not
 * tenant input, so it does not go through the outbound URL policy. No retry: a decision is interactive; an
 * unknown availability marks the live path unavailable with the reason.
 */
export class RouterLiveAvailability extends LiveAvailabilityPort {
  constructor(private readonly options: RouterLiveAvailabilityOptions) {
    super();
  }

  async queue(queueRef: string, caller: ForwardedCaller): Promise<QueueAvailability | null> {
    if (!this.options.baseUrl) {
      throw new LiveAvailabilityUnavailable('not_configured', 'ESCALATION_ROUTER_URL is not set');
    }
    const url = new URL(
      `v1/queues/${encodeURIComponent(queueRef)}/availability`,
      this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', ...forwardedHeaders(caller) },
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      const timeout = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      throw new LiveAvailabilityUnavailable(
        timeout ? 'timeout' : 'unreachable',
        timeout ? `no answer within ${this.options.timeoutMs} ms` : 'work-item router unreachable',
      );
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new LiveAvailabilityUnavailable(`http_${res.status}`, `work-item router answered ${res.status}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new LiveAvailabilityUnavailable('bad_response', 'not an availability');
    }
    const parsed = AvailabilitySchema.safeParse(body);
    if (!parsed.success) throw new LiveAvailabilityUnavailable('bad_response', 'not an availability');
    return parsed.data;
  }
}
