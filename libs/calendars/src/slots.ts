import { DateTime, IANAZone } from 'luxon';
import { mergeRanges, type TimeRange } from './calendar-port';

/** Callback channels and their default durations in minutes (seed 003: voice 15, video 30, chat 30). */
export const DEFAULT_CALLBACK_DURATION_MIN = { voice: 15, video: 30, chat: 30 } as const;
export type CallbackChannel = keyof typeof DEFAULT_CALLBACK_DURATION_MIN;

/** Input of {@link proposeSlots}; every duration is in whole minutes. */
export interface ProposeSlotsInput {
  /** When the team takes callbacks (from the team's business hours), absolute instants. */
  openIntervals: readonly TimeRange[];
  /** Busy time from the team's calendar and existing bookings. */
  busy: readonly TimeRange[];
  /** Length of one callback (> 0). */
  durationMin: number;
  /** Slot grid: slots start every `intervalMin` from the opening of each open interval (> 0). */
  intervalMin: number;
  /** Kept free before and after every busy range (≥ 0). */
  bufferMin: number;
  /** No slot starts before `now + minNoticeMin` (≥ 0). */
  minNoticeMin: number;
  now: Date;
  /** The team's IANA zone; the slots' `local` labels are written in it. */
  zone: string;
  /** At most this many slots (default 3). */
  max?: number;
}

/** One proposed callback slot. */
export interface ProposedSlot {
  start: Date;
  end: Date;
  /** ISO 8601 start with the team zone's offset, e.g. `2027-03-15T14:00:00.000-04:00`. */
  local: string;
}

/** `zone` is not an IANA time zone luxon knows. */
export class UnknownTimeZoneError extends Error {
  constructor(readonly zone: string) {
    super(`unknown time zone: ${zone}`);
    this.name = 'UnknownTimeZoneError';
  }
}

/** @throws UnknownTimeZoneError unless `zone` is a valid IANA zone name. */
export function assertZone(zone: string): void {
  if (!IANAZone.isValidZone(zone)) throw new UnknownTimeZoneError(zone);
}

const MIN = 60_000;

/**
 * The earliest `max` callback slots (pure; luxon only, never the process's time zone): a slot `[s, s+duration)`
 * lies inside one open interval, starts on that interval's grid (`opening + k·intervalMin`), starts at or after
 * `now + minNoticeMin`, and `[s − buffer, s + duration + buffer)` overlaps no busy range.
 * @throws UnknownTimeZoneError; RangeError for a non-positive duration or interval
 */
export function proposeSlots(input: ProposeSlotsInput): ProposedSlot[] {
  assertZone(input.zone);
  if (!(input.durationMin > 0)) throw new RangeError('durationMin must be > 0');
  if (!(input.intervalMin > 0)) throw new RangeError('intervalMin must be > 0');
  const max = input.max ?? 3;
  const duration = input.durationMin * MIN;
  const step = input.intervalMin * MIN;
  const buffer = Math.max(0, input.bufferMin) * MIN;
  const earliest = input.now.getTime() + Math.max(0, input.minNoticeMin) * MIN;
  const busy = mergeRanges(
    input.busy.map((b) => ({
      start: new Date(b.start.getTime() - buffer),
      end: new Date(b.end.getTime() + buffer),
    })),
  );
  const open = [...input.openIntervals].sort((a, b) => a.start.getTime() - b.start.getTime());
  const out: ProposedSlot[] = [];
  const seen = new Set<number>();
  for (const iv of open) {
    const opening = iv.start.getTime();
    const closing = iv.end.getTime();
    let s = opening + Math.max(0, Math.ceil((earliest - opening) / step)) * step;
    let b = 0;
    while (s + duration <= closing && out.length < max) {
      const e = s + duration;
      while (b < busy.length && busy[b].end.getTime() <= s) b++;
      const clash = b < busy.length && busy[b].start.getTime() < e;
      if (!clash && !seen.has(s)) {
        seen.add(s);
        out.push({
          start: new Date(s),
          end: new Date(e),
          local: DateTime.fromMillis(s, { zone: input.zone }).toISO() ?? new Date(s).toISOString(),
        });
      }
      if (clash) {
        // jump to the first grid point at or after the end of the clashing busy range
        const after = busy[b].end.getTime();
        s = opening + Math.ceil((after - opening) / step) * step;
      } else s += step;
    }
    if (out.length >= max) break;
  }
  return out.sort((a, b) => a.start.getTime() - b.start.getTime()).slice(0, max);
}

/** Input of {@link queueCallbackPromise}: the queue model used when a team has no calendar. */
export interface QueueModelInput {
  /** Callbacks already waiting on the queue. */
  waiting: number;
  /** Agents online on the queue (0 → the promise is the SLA target). */
  agentsOnline: number;
  /** Average handling time of one callback, minutes. */
  avgHandleMin: number;
  /** The team's soft SLA: "we'll call you within X minutes". */
  slaMin: number;
}

/** "We'll call you within X minutes" with a soft SLA (a target, not a booking). */
export interface QueuePromise {
  withinMinutes: number;
  slaMin: number;
  /** The estimate is over the SLA target (soft: the callback is still accepted). */
  slaAtRisk: boolean;
}

/**
 * The queue model for teams without a calendar: the estimate is the work ahead (`(waiting + 1) · avgHandle`)
 * shared by the online agents, rounded up to 5 minutes, never below 5; the promise is `max(estimate, SLA)`
 * when the SLA is at risk, else the SLA.
 */
export function queueCallbackPromise(q: QueueModelInput): QueuePromise {
  const agents = Math.max(0, Math.floor(q.agentsOnline));
  const estimate =
    agents === 0 ? q.slaMin : Math.max(5, Math.ceil(((q.waiting + 1) * q.avgHandleMin) / agents / 5) * 5);
  const slaAtRisk = estimate > q.slaMin;
  return { withinMinutes: slaAtRisk ? estimate : q.slaMin, slaMin: q.slaMin, slaAtRisk };
}
