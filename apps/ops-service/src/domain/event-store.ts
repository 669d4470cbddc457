/** One message seen on a hub topic (or its dead-letter topic), as the inspector shows it. */
export interface ObservedEvent {
  /** Logical catalogue topic (no namespace), e.g. `hub.conversation.events.v1`. */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Envelope fields; null when the value is not a JSON envelope (e.g. a dead-lettered `invalid_json`). */
  eventId: string | null;
  type: string | null;
  tenantId: string | null;
  source: string | null;
  correlationId: string | null;
  /** ISO 8601: the envelope's `occurredAt`, else the Kafka timestamp. */
  occurredAt: string;
  /** ISO 8601 Kafka (log append / create) timestamp. */
  loggedAt: string;
  /** The envelope's `data` (or the raw value, truncated to 4 KiB, when it is not JSON). */
  data: unknown;
}

/** A message of a `<topic>.dlq` with the dead-letter headers libs/messaging adds (DLQ_HEADERS). */
export interface DeadLetter extends ObservedEvent {
  /** The DLQ topic, logical name (`<topic>.dlq`). */
  dlqTopic: string;
  originalTopic: string;
  originalPartition: number | null;
  originalOffset: string | null;
  /** `invalid_json`, `schema_invalid`, `handler_failed`, … (`x-dlq-reason`). */
  reason: string;
  error: string | null;
  attempts: number | null;
  consumerGroup: string | null;
  /** ISO 8601 (`x-dlq-failed-at`). */
  failedAt: string;
  /** The message value exactly as dead-lettered (redrive sends it back unchanged). */
  rawValue: string;
}

/** Arrivals of one (tenant, source, topic) series. */
export interface SeriesHealth {
  tenantId: string;
  /** Producing service or connector (envelope `source`). */
  source: string;
  topic: string;
  /** Events in the last `windowSeconds`. */
  events: number;
  /** events / windowSeconds. */
  ratePerMinute: number;
  /** ISO 8601 of the newest event seen. */
  lastSeen: string;
  /** Dead letters of this tenant and source on this topic in the window. */
  errors: number;
}

/** Options of {@link EventStore}. */
export interface EventStoreOptions {
  /** Events kept per topic (newest). */
  perTopic: number;
  /** Dead letters kept per DLQ topic (newest). */
  perDlq: number;
  /** Sliding window of the arrival rates, s. */
  windowSeconds: number;
}

/**
 * In-memory read model of what flows through the hub's topics, fed by the ops-service tap consumer:
 * the newest events per topic, the newest dead letters per DLQ, and per (tenant, source, topic)
 * arrival times within a sliding window. Bounded (oldest dropped); rebuilt from Kafka's retention on
 * start. Single-threaded (Node): no locking.
 */
export class EventStore {
  private readonly events = new Map<string, ObservedEvent[]>();
  private readonly dead = new Map<string, DeadLetter[]>();
  /** `tenant\0source\0topic` → arrival times (epoch ms, ascending) and the newest. */
  private readonly series = new Map<string, { times: number[]; last: number }>();

  constructor(private readonly opts: EventStoreOptions) {}

  /** Records an event of a catalogue topic. */
  addEvent(e: ObservedEvent, now = Date.now()): void {
    push(this.events, e.topic, e, this.opts.perTopic);
    if (!e.tenantId || !e.source) return;
    const k = `${e.tenantId}\0${e.source}\0${e.topic}`;
    const s = this.series.get(k) ?? { times: [], last: 0 };
    const t = Date.parse(e.loggedAt);
    // partitions are read in parallel: keep the times sorted (insert from the end, usually at it)
    let i = s.times.length;
    while (i > 0 && s.times[i - 1] > t) i--;
    s.times.splice(i, 0, t);
    s.last = Math.max(s.last, t);
    this.prune(s, now);
    this.series.set(k, s);
  }

  /** Records a dead letter (replaces an entry at the same position). */
  addDeadLetter(d: DeadLetter): void {
    const list = this.dead.get(d.dlqTopic) ?? [];
    const i = list.findIndex((x) => x.partition === d.partition && x.offset === d.offset);
    if (i >= 0) list[i] = d;
    else push(this.dead, d.dlqTopic, d, this.opts.perDlq);
  }

  /**
   * Events of one conversation (envelope `correlationId` or the message key) across all topics,
   * newest first, optionally of one tenant only.
   */
  conversation(conversationId: string, tenantId: string | null, limit: number): ObservedEvent[] {
    const out: ObservedEvent[] = [];
    for (const list of this.events.values())
      for (const e of list)
        if (
          (e.correlationId === conversationId || e.key === conversationId) &&
          (tenantId === null || e.tenantId === tenantId)
        )
          out.push(e);
    return newestFirst(out).slice(0, limit);
  }

  /** Dead letters, newest first, filtered by tenant (null = all), original topic and conversation. */
  deadLetters(f: {
    tenantId: string | null;
    topic?: string;
    conversationId?: string;
    limit: number;
  }): DeadLetter[] {
    const out: DeadLetter[] = [];
    for (const list of this.dead.values())
      for (const d of list)
        if (
          (f.tenantId === null || d.tenantId === f.tenantId) &&
          (!f.topic || d.originalTopic === f.topic) &&
          (!f.conversationId || d.correlationId === f.conversationId || d.key === f.conversationId)
        )
          out.push(d);
    return out.sort((a, b) => b.failedAt.localeCompare(a.failedAt)).slice(0, f.limit);
  }

  /** One dead letter by its DLQ position; null if not (or no longer) held. */
  deadLetter(dlqTopic: string, partition: number, offset: string): DeadLetter | null {
    return this.dead.get(dlqTopic)?.find((d) => d.partition === partition && d.offset === offset) ?? null;
  }

  /**
   * Arrival series of a tenant (null = all tenants), busiest first. `errors` counts dead letters of
   * the same tenant, source and original topic that failed within the window.
   */
  health(tenantId: string | null, now = Date.now()): SeriesHealth[] {
    const w = this.opts.windowSeconds;
    const since = now - w * 1000;
    const errors = new Map<string, number>();
    for (const list of this.dead.values())
      for (const d of list)
        if (Date.parse(d.failedAt) >= since && d.tenantId && d.source) {
          const k = `${d.tenantId}\0${d.source}\0${d.originalTopic}`;
          errors.set(k, (errors.get(k) ?? 0) + 1);
        }
    const out: SeriesHealth[] = [];
    for (const [k, s] of this.series) {
      const [tenant, source, topic] = k.split('\0');
      if (tenantId !== null && tenant !== tenantId) continue;
      this.prune(s, now);
      out.push({
        tenantId: tenant,
        source,
        topic,
        events: s.times.length,
        ratePerMinute: Math.round((s.times.length / w) * 60 * 100) / 100,
        lastSeen: new Date(s.last).toISOString(),
        errors: errors.get(k) ?? 0,
      });
      errors.delete(k);
    }
    // dead letters of a series that had no good event in memory still show up
    for (const [k, n] of errors) {
      const [tenant, source, topic] = k.split('\0');
      if (tenantId !== null && tenant !== tenantId) continue;
      out.push({ tenantId: tenant, source, topic, events: 0, ratePerMinute: 0, lastSeen: '', errors: n });
    }
    return out.sort((a, b) => b.events - a.events || b.errors - a.errors || a.topic.localeCompare(b.topic));
  }

  private prune(s: { times: number[] }, now: number): void {
    const since = now - this.opts.windowSeconds * 1000;
    let i = 0;
    while (i < s.times.length && s.times[i] < since) i++;
    if (i) s.times.splice(0, i);
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T, max: number): void {
  const list = m.get(k) ?? [];
  list.push(v);
  if (list.length > max) list.splice(0, list.length - max);
  m.set(k, list);
}

function newestFirst<T extends { occurredAt: string; loggedAt: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => b.loggedAt.localeCompare(a.loggedAt) || b.occurredAt.localeCompare(a.occurredAt));
}
