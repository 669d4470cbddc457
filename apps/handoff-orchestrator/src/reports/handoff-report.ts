/**
 * The handoff report of issue 10 (seed 003 "Compliance and audit"), computed from the audit rows. Pure: the
 * repository reads the rows, this module counts. Definitions (docs/escalation-policy.md "Report"):
 *
 * - a **handoff** is a live handoff (`handoffs` row created in the window) or a decision of the window whose
 *   customer picked the form or a callback (`escalation_decisions.path_picked`) without a live handoff;
 * - every rate is `{value, numerator, denominator, denominatorLabel}`; `value` is null when the denominator is 0;
 *   numerators are subsets of denominators, so no rate exceeds 1, and group shares partition the handoffs.
 */

/** Dimensions of `groupBy`. */
export const GROUP_BY = ['reason', 'queue', 'path', 'intent', 'day'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** One handoff (any path). */
export interface HandoffEventRow {
  path: 'form' | 'live_agent' | 'callback';
  conversationId: string;
  createdAt: Date;
  queueId: string | null;
  intent: string | null;
  /** `rule:<id> | model:<class> | out_of_scope | retrieval` from the decision, else the bot's escalationReason. */
  reason: string | null;
  /** Live handoffs: status and failure reason. */
  status: string | null;
  endReason: string | null;
  acceptedAt: Date | null;
  /** Callback picks. */
  callbackDueAt: Date | null;
  callbackOutcome: string | null;
}

/** One escalating decision of the window (for paths offered vs picked). */
export interface OfferRow {
  pathsOffered: string[];
  /** form | live_agent | callback | none; null = not reported. */
  picked: string | null;
}

/** Inputs of {@link computeHandoffReport}. */
export interface ReportInput {
  from: Date;
  to: Date;
  now: Date;
  groupBy?: GroupBy;
  events: HandoffEventRow[];
  offers: OfferRow[];
  /** Bot-reported conversations per UTC day (`YYYY-MM-DD`) of the window. */
  conversationsByDay: Map<string, number>;
  /** Distinct conversations per intent among the window's decisions. */
  intentConversations: Map<string, Set<string>>;
  /** How many knowledge gaps to list (default 10). */
  topIntents?: number;
}

/** A ratio with what it is a ratio of. */
export interface Rate {
  value: number | null;
  numerator: number;
  denominator: number;
  denominatorLabel: string;
}

/** Live-handover figures of a set of handoffs. */
export interface LiveFigures {
  liveHandoffs: number;
  accepted: number;
  /** accepted_at − requested_at (created_at), seconds, nearest-rank percentiles over the accepted ones. */
  timeToPickupP50Seconds: number | null;
  timeToPickupP90Seconds: number | null;
  /** Live handoffs that ended before an agent picked up (failed: withdrawn or timeout) ÷ live handoffs. */
  abandonedBeforePickup: Rate;
}

/** Callback figures of a set of handoffs. */
export interface CallbackFigures {
  /** Callbacks whose due time is before min(now, to). */
  due: number;
  completed: number;
  /** completed ÷ due. */
  fulfilment: Rate;
}

/** One group of `groupBy`. */
export interface ReportGroup extends LiveFigures, CallbackFigures {
  key: string;
  handoffs: number;
  /** handoffs of the group ÷ all handoffs of the window (the groups' shares add up to 1). */
  share: Rate;
  /** day groups: conversations handed off that day ÷ bot conversations reported for that day; intent groups:
   *  conversations of the intent handed off ÷ conversations of the intent (decisions). Absent otherwise. */
  handoffRate?: Rate;
}

/** The report. */
export interface HandoffReport extends LiveFigures, CallbackFigures {
  from: string;
  to: string;
  groupBy: GroupBy | null;
  handoffs: number;
  byPath: Record<'form' | 'live_agent' | 'callback', number>;
  /** Conversations with at least one handoff ÷ bot conversations reported for the window's days. */
  handoffRate: Rate;
  /** Escalating decisions of the window: how often each path was offered, and which one the customer picked. */
  paths: {
    escalatingDecisions: number;
    offered: Record<'form' | 'live_agent' | 'callback', Rate>;
    picked: Record<'form' | 'live_agent' | 'callback' | 'none' | 'not_reported', Rate>;
  };
  /** Intents with the highest handoff rate (knowledge gaps), at most `topIntents`. */
  knowledgeGaps: { intent: string; conversations: number; handedOff: number; handoffRate: Rate }[];
  groups: ReportGroup[];
}

const PATHS = ['form', 'live_agent', 'callback'] as const;

/** `numerator ÷ denominator` with its label; null value when the denominator is 0. */
export function rate(numerator: number, denominator: number, denominatorLabel: string): Rate {
  return {
    value: denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null,
    numerator,
    denominator,
    denominatorLabel,
  };
}

/** Nearest-rank percentile (`p` in (0, 1]) of `xs`: the value at rank ⌈p·n⌉ of the sorted values; null if empty. */
export function percentile(xs: number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}

/** UTC day `YYYY-MM-DD` of an instant. */
export const utcDay = (d: Date) => d.toISOString().slice(0, 10);

function liveFigures(events: HandoffEventRow[]): LiveFigures {
  const live = events.filter((e) => e.path === 'live_agent');
  const waits = live
    .filter((e) => e.acceptedAt)
    .map((e) => ((e.acceptedAt as Date).getTime() - e.createdAt.getTime()) / 1000);
  const abandoned = live.filter(
    (e) =>
      !e.acceptedAt && e.status === 'failed' && (e.endReason === 'withdrawn' || e.endReason === 'timeout'),
  ).length;
  const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  return {
    liveHandoffs: live.length,
    accepted: waits.length,
    timeToPickupP50Seconds: round(percentile(waits, 0.5)),
    timeToPickupP90Seconds: round(percentile(waits, 0.9)),
    abandonedBeforePickup: rate(abandoned, live.length, 'live handoffs'),
  };
}

function callbackFigures(events: HandoffEventRow[], dueBefore: Date): CallbackFigures {
  const due = events.filter(
    (e) => e.path === 'callback' && e.callbackDueAt && e.callbackDueAt.getTime() <= dueBefore.getTime(),
  );
  const completed = due.filter((e) => e.callbackOutcome === 'completed').length;
  return {
    due: due.length,
    completed,
    fulfilment: rate(completed, due.length, 'callbacks due (callback_due_at before min(now, to))'),
  };
}

function keyOf(e: HandoffEventRow, by: GroupBy): string {
  switch (by) {
    case 'reason':
      return e.reason ?? 'unspecified';
    case 'queue':
      return e.queueId ?? (e.path === 'live_agent' ? 'unrouted' : `no queue (${e.path})`);
    case 'path':
      return e.path;
    case 'intent':
      return e.intent ?? 'unknown';
    case 'day':
      return utcDay(e.createdAt);
  }
}

/**
 * Computes the handoff report over the rows of one window. Pure and deterministic (groups sorted by handoffs,
 * then key; day groups by day).
 */
export function computeHandoffReport(input: ReportInput): HandoffReport {
  const { events, offers } = input;
  const dueBefore = new Date(Math.min(input.now.getTime(), input.to.getTime()));
  const total = events.length;
  const byPath = { form: 0, live_agent: 0, callback: 0 };
  for (const e of events) byPath[e.path]++;

  const handedOff = new Set(events.map((e) => e.conversationId));
  const botConversations = [...input.conversationsByDay.values()].reduce((a, b) => a + b, 0);
  const handedOffOnReportedDays = new Set(
    events.filter((e) => input.conversationsByDay.has(utcDay(e.createdAt))).map((e) => e.conversationId),
  ).size;
  const handoffRate = rateOrInconsistent(
    handedOffOnReportedDays,
    botConversations,
    'bot conversations reported (POST /v1/escalation/conversation-totals) for the days of the window',
  );

  const escalating = offers.length;
  const offeredLabel = 'escalating decisions';
  const offered = Object.fromEntries(
    PATHS.map((p) => [
      p,
      rate(offers.filter((o) => o.pathsOffered.includes(p)).length, escalating, offeredLabel),
    ]),
  ) as HandoffReport['paths']['offered'];
  const pickedCount = (k: string | null) => offers.filter((o) => o.picked === k).length;
  const picked = {
    form: rate(pickedCount('form'), escalating, offeredLabel),
    live_agent: rate(pickedCount('live_agent'), escalating, offeredLabel),
    callback: rate(pickedCount('callback'), escalating, offeredLabel),
    none: rate(pickedCount('none'), escalating, offeredLabel),
    not_reported: rate(pickedCount(null), escalating, offeredLabel),
  };

  const knowledgeGaps = [...input.intentConversations]
    .map(([intent, convs]) => {
      const n = [...convs].filter((c) => handedOff.has(c)).length;
      return {
        intent,
        conversations: convs.size,
        handedOff: n,
        handoffRate: rate(n, convs.size, `conversations whose decisions detected intent ${intent}`),
      };
    })
    .filter((g) => g.handedOff > 0)
    .sort(
      (a, b) =>
        (b.handoffRate.value ?? 0) - (a.handoffRate.value ?? 0) ||
        b.conversations - a.conversations ||
        a.intent.localeCompare(b.intent),
    )
    .slice(0, input.topIntents ?? 10);

  const groups: ReportGroup[] = [];
  if (input.groupBy) {
    const by = input.groupBy;
    const buckets = new Map<string, HandoffEventRow[]>();
    for (const e of events) {
      const k = keyOf(e, by);
      buckets.set(k, [...(buckets.get(k) ?? []), e]);
    }
    for (const [key, rows] of buckets) {
      const g: ReportGroup = {
        key,
        handoffs: rows.length,
        share: rate(rows.length, total, 'handoffs in the window'),
        ...liveFigures(rows),
        ...callbackFigures(rows, dueBefore),
      };
      if (by === 'day') {
        const reported = input.conversationsByDay.get(key);
        g.handoffRate =
          reported === undefined
            ? rate(0, 0, `bot conversations reported for ${key} (none reported)`)
            : rateOrInconsistent(
                new Set(rows.map((r) => r.conversationId)).size,
                reported,
                `bot conversations reported for ${key}`,
              );
      }
      if (by === 'intent') {
        const convs = input.intentConversations.get(key);
        const n = convs ? [...convs].filter((c) => rows.some((r) => r.conversationId === c)).length : 0;
        g.handoffRate = rate(n, convs?.size ?? 0, `conversations whose decisions detected intent ${key}`);
      }
      groups.push(g);
    }
    groups.sort((a, b) =>
      by === 'day' ? a.key.localeCompare(b.key) : b.handoffs - a.handoffs || a.key.localeCompare(b.key),
    );
  }

  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    groupBy: input.groupBy ?? null,
    handoffs: total,
    byPath,
    handoffRate,
    paths: { escalatingDecisions: escalating, offered, picked },
    ...liveFigures(events),
    ...callbackFigures(events, dueBefore),
    knowledgeGaps,
    groups,
  };
}

/**
 * A rate whose numerator comes from our rows and denominator from the bot's report: when the bot reported fewer
 * conversations than were handed off, the figures disagree and the value is null (never above 1).
 */
function rateOrInconsistent(numerator: number, denominator: number, label: string): Rate {
  if (numerator > denominator) {
    return {
      ...rate(numerator, denominator, `${label} — fewer than handed off: inconsistent, no value`),
      value: null,
    };
  }
  return rate(numerator, denominator, label);
}

const CSV_COLUMNS = [
  'key',
  'handoffs',
  'share',
  'live_handoffs',
  'accepted',
  'time_to_pickup_p50_s',
  'time_to_pickup_p90_s',
  'abandoned_before_pickup',
  'abandoned_rate',
  'callbacks_due',
  'callbacks_completed',
  'callback_fulfilment_rate',
  'handoff_rate_numerator',
  'handoff_rate_denominator',
  'handoff_rate',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF (quotes doubled). */
function csvField(v: string | number | null | undefined): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The report as CSV (RFC 4180, CRLF line ends, header row): one row per group, then the window's total as the
 * row with key `(all)` (its handoff rate is the window's).
 */
export function handoffReportCsv(r: HandoffReport): string {
  const row = (
    key: string,
    g: LiveFigures & CallbackFigures & { handoffs: number; share: Rate; handoffRate?: Rate },
  ) =>
    [
      key,
      g.handoffs,
      g.share.value,
      g.liveHandoffs,
      g.accepted,
      g.timeToPickupP50Seconds,
      g.timeToPickupP90Seconds,
      g.abandonedBeforePickup.numerator,
      g.abandonedBeforePickup.value,
      g.due,
      g.completed,
      g.fulfilment.value,
      g.handoffRate?.numerator,
      g.handoffRate?.denominator,
      g.handoffRate?.value,
    ]
      .map(csvField)
      .join(',');
  const lines = [CSV_COLUMNS.join(',')];
  for (const g of r.groups) lines.push(row(g.key, g));
  lines.push(
    row('(all)', {
      ...r,
      share: rate(r.handoffs, r.handoffs, 'handoffs in the window'),
      handoffRate: r.handoffRate,
    }),
  );
  return lines.join('\r\n') + '\r\n';
}
