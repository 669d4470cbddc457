import { randomUUID } from 'node:crypto';
import { authHeaders, createTestWorld, type TestWorld } from '@hub/testing';
import { http, seedQueue, sql, startService, type RunningService } from './support/harness';

jest.setTimeout(120_000);

const T = 'report-tenant';
const OTHER = 'report-other';
const FROM = '2026-11-02T00:00:00.000Z';
const TO = '2026-11-04T00:00:00.000Z';
const at = (iso: string) => new Date(iso);
const plus = (iso: string, s: number) => new Date(at(iso).getTime() + s * 1000);

interface H {
  tenant?: string;
  conv: string;
  created: string;
  status: 'accepted' | 'failed' | 'requested';
  waitS?: number;
  endReason?: string;
  queue?: string | null;
  intent?: string | null;
  reason?: string | null;
  decision?: string | null;
}
interface D {
  id: string;
  conv: string;
  created: string;
  escalate?: boolean;
  offered?: string[];
  intent?: string | null;
  reason?: string;
  picked?: string | null;
  due?: string | null;
  outcome?: string | null;
}

async function seedHandoff(world: TestWorld, h: H) {
  await sql(
    world,
    `INSERT INTO handoffs (id, tenant_id, integration_id, idempotency_key, request_hash, intake, bot_session_id,
       conversation_id, channel, summary_source, sentiment_source, status, reason, work_item_id, queue_id, intent,
       escalation_reason, decision_id, created_at, accepted_at, failed_at)
     VALUES ($1, $2, $3, $4, 'h', 'rest', 'bs', $5, 'web', 'none', 'none', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      randomUUID(),
      h.tenant ?? T,
      randomUUID(),
      randomUUID(),
      h.conv,
      h.status,
      h.endReason ?? null,
      randomUUID(),
      h.queue ?? null,
      h.intent ?? null,
      h.reason ?? null,
      h.decision ?? null,
      at(h.created),
      h.status === 'accepted' ? plus(h.created, h.waitS ?? 0) : null,
      h.status === 'failed' ? plus(h.created, 60) : null,
    ],
  );
}

async function seedDecision(world: TestWorld, d: D) {
  await sql(
    world,
    `INSERT INTO escalation_decisions (id, tenant_id, conversation_id, escalate, decided_by, intent, reasons,
       primary_reason, paths_offered, path_picked, callback_due_at, callback_outcome, created_at)
     VALUES ($1, $2, $3, $4, 'model', $5, '[]', $6, $7, $8, $9, $10, $11)`,
    [
      d.id,
      T,
      d.conv,
      d.escalate ?? true,
      d.intent ?? null,
      d.reason ?? 'none',
      d.offered ?? [],
      d.picked ?? null,
      d.due ? at(d.due) : null,
      d.outcome ?? null,
      at(d.created),
    ],
  );
}

describe('GET /v1/reports/handoffs over a seeded set of handoffs (figures computed by hand)', () => {
  let world: TestWorld;
  let svc: RunningService;
  const ALL = ['form', 'live_agent', 'callback'];

  beforeAll(async () => {
    world = await createTestWorld();
    svc = await startService(world);
    const q1 = await seedQueue(world, T, 'Q1');
    const q2 = await seedQueue(world, T, 'Q2');
    const d = Object.fromEntries(
      ['d1', 'd3', 'd5', 'd6', 'd7', 'd8', 'd9', 'd10', 'd11', 'd12', 'd13'].map((k) => [k, randomUUID()]),
    );
    // decisions (day 1 = 2026-11-02, day 2 = 2026-11-03)
    const decisions: D[] = [
      {
        id: d.d1,
        conv: 'c1',
        created: '2026-11-02T09:59:00Z',
        offered: ALL,
        intent: 'billing',
        reason: 'rule:fraud',
      },
      {
        id: d.d3,
        conv: 'c3',
        created: '2026-11-03T08:59:00Z',
        offered: ['live_agent', 'callback'],
        intent: 'refund',
        reason: 'model:complaint',
      },
      {
        id: d.d5,
        conv: 'c5',
        created: '2026-11-03T12:59:00Z',
        offered: ALL,
        intent: 'refund',
        reason: 'model:human_request',
      },
      {
        id: d.d6,
        conv: 'c6',
        created: '2026-11-02T15:00:00Z',
        offered: ['form', 'callback'],
        intent: 'refund',
        reason: 'model:complaint',
        picked: 'form',
      },
      {
        id: d.d7,
        conv: 'c7',
        created: '2026-11-03T16:00:00Z',
        offered: ALL,
        intent: 'billing',
        reason: 'retrieval',
        picked: 'callback',
        due: '2026-11-03T18:00:00Z',
        outcome: 'completed',
      },
      {
        id: d.d8,
        conv: 'c8',
        created: '2026-11-03T17:00:00Z',
        offered: ['live_agent', 'callback'],
        intent: 'billing',
        reason: 'out_of_scope',
        picked: 'callback',
        due: '2026-11-03T20:00:00Z',
        outcome: 'missed',
      },
      {
        id: d.d9,
        conv: 'c9',
        created: '2026-11-02T12:00:00Z',
        offered: ALL,
        intent: 'refund',
        reason: 'rule:refund',
        picked: 'none',
      },
      { id: d.d10, conv: 'c10', created: '2026-11-02T13:00:00Z', escalate: false, intent: 'billing' },
      { id: d.d11, conv: 'c11', created: '2026-11-03T13:00:00Z', escalate: false, intent: 'refund' },
      {
        id: d.d12,
        conv: 'c12',
        created: '2026-11-03T14:00:00Z',
        offered: ['live_agent'],
        intent: 'billing',
        reason: 'model:frustration',
      },
      {
        id: d.d13,
        conv: 'c13',
        created: '2026-11-03T18:00:00Z',
        offered: ['callback'],
        intent: 'refund',
        reason: 'model:human_request',
        picked: 'callback',
        due: '2099-01-01T00:00:00Z',
      },
      // outside the window: counts nowhere
      {
        id: randomUUID(),
        conv: 'c99',
        created: '2026-11-05T10:00:00Z',
        offered: ALL,
        intent: 'refund',
        reason: 'retrieval',
        picked: 'form',
      },
    ];
    for (const x of decisions) await seedDecision(world, x);
    const handoffs: H[] = [
      {
        conv: 'c1',
        created: '2026-11-02T10:00:00Z',
        status: 'accepted',
        waitS: 30,
        queue: q1,
        decision: d.d1,
      },
      {
        conv: 'c2',
        created: '2026-11-02T11:00:00Z',
        status: 'accepted',
        waitS: 90,
        queue: q1,
        intent: 'billing',
        reason: 'customer asked, twice',
      },
      {
        conv: 'c3',
        created: '2026-11-03T09:00:00Z',
        status: 'failed',
        endReason: 'withdrawn',
        queue: q2,
        decision: d.d3,
      },
      { conv: 'c4', created: '2026-11-03T12:00:00Z', status: 'failed', endReason: 'timeout' },
      {
        conv: 'c5',
        created: '2026-11-03T13:00:00Z',
        status: 'accepted',
        waitS: 10,
        queue: q2,
        decision: d.d5,
      },
      // outside the window, and another tenant's inside it
      { conv: 'c98', created: '2026-11-04T00:00:00Z', status: 'accepted', waitS: 5, queue: q1 },
      { tenant: OTHER, conv: 'o1', created: '2026-11-02T10:00:00Z', status: 'accepted', waitS: 1 },
    ];
    for (const h of handoffs) await seedHandoff(world, h);
    for (const [day, n] of [
      ['2026-11-02', 30],
      ['2026-11-03', 60],
    ] as const) {
      await sql(
        world,
        `INSERT INTO bot_conversation_totals (tenant_id, source, day, conversations) VALUES ($1, 'bot-a', $2, $3)`,
        [T, day, n],
      );
    }
    // a second bot of the tenant reports day 1 through the API; a day outside the window is ignored
    const totals = await http(svc.url, 'POST', '/v1/escalation/conversation-totals', {
      tenant: T,
      body: {
        source: 'bot-b',
        days: [
          { day: '2026-11-02', conversations: 10 },
          { day: '2026-11-05', conversations: 1000 },
        ],
      },
    });
    expect(totals.status).toBe(200);
  });

  afterAll(async () => {
    await svc?.close();
    await world?.drop();
  });

  const report = (q: string, opts: { headers?: Record<string, string>; tenant?: string } = {}) =>
    http(svc.url, 'GET', `/v1/reports/handoffs?from=${FROM}&to=${TO}${q}`, {
      tenant: opts.tenant ?? T,
      ...opts,
    });

  it('totals: handoffs, handoff rate, paths offered vs picked, pickup p50/p90, abandoned, callbacks, knowledge gaps', async () => {
    const r = await report('');
    expect(r.status).toBe(200);
    const b = r.body;
    // events: 5 live (c1–c5), 1 form (c6), 3 callbacks (c7, c8, c13)
    expect(b.handoffs).toBe(9);
    expect(b.byPath).toEqual({ form: 1, live_agent: 5, callback: 3 });
    // 9 conversations handed off ÷ (30 + 10) + 60 reported
    expect(b.handoffRate).toMatchObject({ numerator: 9, denominator: 100, value: 0.09 });
    expect(b.handoffRate.denominatorLabel).toMatch(/bot conversations reported/);
    // 9 escalating decisions: d1 d3 d5 d6 d7 d8 d9 d12 d13
    expect(b.paths.escalatingDecisions).toBe(9);
    expect(b.paths.offered.form).toMatchObject({ numerator: 5, denominator: 9, value: 0.5556 });
    expect(b.paths.offered.live_agent).toMatchObject({ numerator: 7, denominator: 9 });
    expect(b.paths.offered.callback).toMatchObject({ numerator: 8, denominator: 9 });
    const picked = b.paths.picked;
    expect(
      [picked.live_agent, picked.form, picked.callback, picked.none, picked.not_reported].map(
        (x) => x.numerator,
      ),
    ).toEqual([3, 1, 3, 1, 1]);
    const pickedShare = Object.values(picked as Record<string, { numerator: number }>).reduce(
      (s, x) => s + x.numerator,
      0,
    );
    expect(pickedShare).toBe(9); // a partition: never more than 100 %
    // accepted waits 30, 90, 10 s → sorted 10, 30, 90: p50 = rank ⌈1.5⌉ = 2 → 30, p90 = rank ⌈2.7⌉ = 3 → 90
    expect(b.accepted).toBe(3);
    expect(b.timeToPickupP50Seconds).toBe(30);
    expect(b.timeToPickupP90Seconds).toBe(90);
    // withdrawn (c3) and timeout (c4) of 5 live handoffs
    expect(b.abandonedBeforePickup).toMatchObject({
      numerator: 2,
      denominator: 5,
      value: 0.4,
      denominatorLabel: 'live handoffs',
    });
    // due before `to`: c7 (completed), c8 (missed); c13 is due in 2099
    expect(b.due).toBe(2);
    expect(b.fulfilment).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
    // intents of decisions: refund c3 c5 c6 c9 c11 c13 (4 handed off), billing c1 c7 c8 c10 c12 (3)
    expect(
      b.knowledgeGaps.map((g: { intent: string; handedOff: number; conversations: number }) => [
        g.intent,
        g.handedOff,
        g.conversations,
      ]),
    ).toEqual([
      ['refund', 4, 6],
      ['billing', 3, 5],
    ]);
    expect(b.knowledgeGaps[0].handoffRate.value).toBe(0.6667);
  });

  it('groupBy=reason: shares partition the handoffs', async () => {
    const b = (await report('&groupBy=reason')).body;
    expect(b.groups.map((g: { key: string; handoffs: number }) => [g.key, g.handoffs])).toEqual([
      ['model:complaint', 2],
      ['model:human_request', 2],
      ['customer asked, twice', 1],
      ['out_of_scope', 1],
      ['retrieval', 1],
      ['rule:fraud', 1],
      ['unspecified', 1],
    ]);
    expect(b.groups[0].share).toMatchObject({ numerator: 2, denominator: 9, value: 0.2222 });
    expect(
      b.groups.reduce((s: number, g: { share: { numerator: number } }) => s + g.share.numerator, 0),
    ).toBe(9);
  });

  it('groupBy=day: the day’s handoff rate over that day’s reported conversations', async () => {
    const b = (await report('&groupBy=day')).body;
    expect(
      b.groups.map(
        (g: { key: string; handoffs: number; handoffRate: { numerator: number; denominator: number } }) => [
          g.key,
          g.handoffs,
          g.handoffRate.numerator,
          g.handoffRate.denominator,
        ],
      ),
    ).toEqual([
      ['2026-11-02', 3, 3, 40],
      ['2026-11-03', 6, 6, 60],
    ]);
    expect(b.groups[0].handoffRate.value).toBe(0.075);
  });

  it('groupBy=queue / path / intent', async () => {
    const byQueue = (await report('&groupBy=queue')).body.groups;
    const [q1] = await sql<{ id: string }>(
      world,
      `SELECT id::text FROM queues WHERE tenant_id = $1 AND name = 'Q1'`,
      [T],
    );
    const g1 = byQueue.find((g: { key: string }) => g.key === q1.id);
    expect(g1).toMatchObject({
      handoffs: 2,
      accepted: 2,
      timeToPickupP50Seconds: 30,
      timeToPickupP90Seconds: 90,
    });
    expect(byQueue.find((g: { key: string }) => g.key === 'unrouted')).toMatchObject({
      handoffs: 1,
      abandonedBeforePickup: { numerator: 1, denominator: 1 },
    });
    expect(byQueue.find((g: { key: string }) => g.key === 'no queue (callback)').handoffs).toBe(3);

    const byPath = (await report('&groupBy=path')).body.groups;
    expect(byPath.map((g: { key: string; handoffs: number }) => [g.key, g.handoffs])).toEqual([
      ['live_agent', 5],
      ['callback', 3],
      ['form', 1],
    ]);
    expect(byPath[1]).toMatchObject({ due: 2, completed: 1 });

    const byIntent = (await report('&groupBy=intent')).body.groups;
    // billing: c1 (from its decision), c2 (the bot's), c7, c8; refund: c3, c5, c6, c13
    expect(byIntent.map((g: { key: string; handoffs: number }) => [g.key, g.handoffs])).toEqual([
      ['billing', 4],
      ['refund', 4],
      ['unknown', 1],
    ]);
    expect(byIntent[0].handoffRate).toMatchObject({ numerator: 3, denominator: 5 });
    expect(byIntent[1].handoffRate).toMatchObject({ numerator: 4, denominator: 6 });
  });

  it('CSV by Accept or format=csv (RFC 4180 quoting), JSON otherwise', async () => {
    const res = await fetch(`${svc.url}/v1/reports/handoffs?from=${FROM}&to=${TO}&groupBy=reason`, {
      headers: { ...(await authHeaders(T)), accept: 'text/csv' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    expect(lines[0].split(',').slice(0, 3)).toEqual(['key', 'handoffs', 'share']);
    expect(lines.some((l) => l.startsWith('"customer asked, twice",1,0.1111,1,1,90,90,0,0,0,0,'))).toBe(true);
    const all = lines[lines.length - 1].split(',');
    expect(all.slice(0, 7)).toEqual(['(all)', '9', '1', '5', '3', '30', '90']);
    expect(all.slice(-3)).toEqual(['9', '100', '0.09']);
    const viaQuery = await fetch(`${svc.url}/v1/reports/handoffs?from=${FROM}&to=${TO}&format=csv`, {
      headers: await authHeaders(T),
    });
    expect(viaQuery.headers.get('content-type')).toMatch(/^text\/csv/);
  });

  it('tenants are isolated; bad queries are 400 naming the field; the scope is reports:read', async () => {
    const other = (await report('', { tenant: OTHER })).body;
    expect(other.handoffs).toBe(1);
    expect(other.handoffRate).toMatchObject({ numerator: 0, denominator: 0, value: null });
    const backwards = await http(svc.url, 'GET', `/v1/reports/handoffs?from=${TO}&to=${FROM}`, { tenant: T });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].field).toBe('query.to');
    const missing = await http(svc.url, 'GET', `/v1/reports/handoffs?to=${TO}`, { tenant: T });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('query.from');
    const badGroup = await report('&groupBy=weather');
    expect(badGroup.status).toBe(400);
    expect(badGroup.body.errors[0].field).toBe('query.groupBy');
    const noScope = await http(svc.url, 'GET', `/v1/reports/handoffs?from=${FROM}&to=${TO}`, {
      tenant: T,
      scopes: ['handoffs:read'],
    });
    expect(noScope.status).toBe(403);
  });
});
