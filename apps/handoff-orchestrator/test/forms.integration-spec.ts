import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { Webhook } from 'standardwebhooks';
import { createTestWorld, waitFor, type TestWorld } from '@hub/testing';
import { FORM_LINK_AUDIENCE, FORM_LINK_ISSUER } from '../src/forms/form-link.signer';
import { FormPageRateLimiter } from '../src/forms/form-page-rate-limiter';
import {
  FORM_SECRET,
  addressChangeTemplate,
  getPage,
  postForm,
  startFormsService,
  type LoggedService,
} from './support/forms';
import { fakeServer, http, sql, WorldKafka, type Recorded } from './support/harness';

jest.setTimeout(120_000);

const T = 'forms-acme';
const OTHER = 'forms-other';
const SENSITIVE = 'XK4821937'; // the national ID typed into the form: never in logs, notes or the transcript

/** A valid filled-in form (national_id is the sensitive field). */
const filled = (over: Record<string, string> = {}) => ({
  full_name: 'Ann Example',
  policy_number: 'PN-204518',
  street: '12 Harbour Road',
  postcode: '10115',
  email: 'ann@example.com',
  moving_date: '2027-01-15',
  national_id: SENSITIVE,
  contact_by: 'email',
  ...over,
});

describe('secure forms: templates, single-use links, hosted page, signed webhook, conversation note', () => {
  let world: TestWorld;
  let svc: LoggedService;
  let kafka: WorldKafka;
  let receiver: Awaited<ReturnType<typeof fakeServer>>;
  let templateId: string;
  let secret: string;

  const key = new TextEncoder().encode(FORM_SECRET);
  const issue = async (body: Record<string, unknown>, tenant = T) =>
    http(svc.url, 'POST', '/v1/forms/links', { tenant, body: { template_id: templateId, ...body } });
  const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;
  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

  beforeAll(async () => {
    world = await createTestWorld();
    let flaky = 0;
    let slow = 0;
    receiver = await fakeServer((req: Recorded, res: ServerResponse) => {
      // `/flaky` answers 503 to its first 4 POSTs (more than one attempt's in-process tries)
      if (req.url === '/flaky' && flaky++ < 4) res.writeHead(503).end();
      else if (req.url === '/slow' && slow++ < 3) res.writeHead(503).end();
      else res.writeHead(204).end();
    });
    svc = await startFormsService(world, { FORM_SUBMIT_ATTEMPTS_PER_LINK: '8' });
    kafka = new WorldKafka(world);
    await kafka.start(['conversationMessages']);
    const s = await http(svc.url, 'POST', '/v1/webhook-secret', { tenant: T });
    expect(s.status).toBe(201);
    secret = s.body.secret;
  });

  afterAll(async () => {
    await kafka?.stop();
    await svc?.close();
    await receiver?.close();
    await world?.drop();
  });

  it('templates: 400 naming the field, 201, 409 on a duplicate name, revisions, invisible to other tenants', async () => {
    const base = addressChangeTemplate(`${receiver.url}/forms-hook`);
    const bad = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: {
        ...base,
        fields: [
          base.fields[0],
          { name: 'code', label: 'Code', type: 'text', pattern: '([a-z' },
          { name: 'pick', label: 'Pick', type: 'select' },
          { name: 'when', label: 'When', type: 'date', min: 3 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['fields.1.pattern', 'fields.2.options', 'fields.3.min'].sort(),
    );
    const badTarget = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: { ...base, target: { type: 'external', url: 'http://crm.example.com/form' } },
    });
    expect(badTarget.status).toBe(400);
    expect(badTarget.body.errors[0].field).toBe('target.url');

    const created = await http(svc.url, 'POST', '/v1/forms/templates', { tenant: T, body: base });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'address-change', revision: 1, target: { type: 'hosted' } });
    expect(created.body.fields.find((f: { name: string }) => f.name === 'national_id').sensitive).toBe(true);
    templateId = created.body.id;

    const dup = await http(svc.url, 'POST', '/v1/forms/templates', { tenant: T, body: base });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('name');

    const replaced = await http(svc.url, 'PUT', `/v1/forms/templates/${templateId}`, {
      tenant: T,
      body: { ...base, linkTtlSeconds: 3600 },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ revision: 2, linkTtlSeconds: 3600 });
    const list = await http(svc.url, 'GET', '/v1/forms/templates', { tenant: T });
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([templateId]);
    expect((await http(svc.url, 'GET', `/v1/forms/templates/${templateId}`, { tenant: OTHER })).status).toBe(
      404,
    );
    expect((await http(svc.url, 'GET', '/v1/forms/templates/not-a-uuid', { tenant: T })).status).toBe(404);
    expect((await http(svc.url, 'GET', '/v1/forms/templates', { tenant: OTHER })).body.items).toEqual([]);
  });

  it('links: unknown template, unknown / sensitive / invalid prefilled field → 4xx naming it', async () => {
    const unknown = await issue({ template_id: randomUUID(), prefilled_data: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0].field).toBe('template_id');
    const foreign = await issue({ prefilled_data: {} }, OTHER);
    expect(foreign.status).toBe(404);

    const extra = await issue({ prefilled_data: { shoe_size: 42 } });
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].field).toBe('prefilled_data.shoe_size');
    const sensitive = await issue({ prefilled_data: { national_id: SENSITIVE } });
    expect(sensitive.status).toBe(400);
    expect(sensitive.body.errors[0].field).toBe('prefilled_data.national_id');
    const invalid = await issue({ prefilled_data: { postcode: '1011' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].field).toBe('prefilled_data.postcode');
    const schema = await issue({ prefilled_data: { full_name: { nested: true } } });
    expect(schema.status).toBe(400);
    expect(schema.body.errors[0].field).toMatch(/^prefilled_data\.full_name/);
  });

  it('a link: signed JWT (aud, exp, jti) with no form data in it; jti stored hashed; GET never consumes', async () => {
    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const r = await issue({
      prefilled_data: { full_name: 'Ann Example', policy_number: 'PN-204518' },
      return_url: 'https://chat.example.com/c/1',
      conversation_id: conversationId,
    });
    expect(r.status).toBe(201);
    expect(r.body.url).toMatch(new RegExp(`^${svc.url}/forms/[^/?]+$`));
    expect(r.body.url).not.toContain('Ann');
    const token = tokenOf(r.body.url);
    const claims = claimsOf(token);
    expect(claims).toMatchObject({
      aud: FORM_LINK_AUDIENCE,
      iss: FORM_LINK_ISSUER,
      sub: r.body.linkId,
      tid: T,
    });
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp as number) - Date.now() / 1000).toBeLessThanOrEqual(3600); // template's lifetime
    expect(JSON.stringify(claims)).not.toMatch(/Ann|PN-204518/);

    const [row] = await sql<{ jti_hash: Buffer; prefilled: unknown; consumed_at: Date | null; c: string }>(
      world,
      'SELECT jti_hash, prefilled, consumed_at, conversation_id AS c FROM form_links WHERE id = $1',
      [r.body.linkId],
    );
    expect(row!.jti_hash).toHaveLength(32);
    expect(row!.jti_hash.toString('hex')).not.toContain(Buffer.from(String(claims.jti)).toString('hex'));
    expect(row!.prefilled).toEqual({ full_name: 'Ann Example', policy_number: 'PN-204518' });
    expect(row!.c).toBe(conversationId);

    for (let i = 0; i < 2; i++) {
      const page = await getPage(r.body.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.html).toContain('<label for="f-full_name">');
      expect(page.html).toContain('value="Ann Example"');
      expect(page.html).not.toContain('<script');
    }
    const [after] = await sql<{ consumed_at: Date | null }>(
      world,
      'SELECT consumed_at FROM form_links WHERE id = $1',
      [r.body.linkId],
    );
    expect(after!.consumed_at).toBeNull();
  });

  it('submit: server-side validation next to each field; then consumed once, signed webhook, note, no leaks', async () => {
    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const r = await issue({ prefilled_data: { full_name: 'Ann Example' }, conversation_id: conversationId });
    const url = r.body.url as string;

    const invalid = await postForm(url, filled({ postcode: 'abc', email: 'nope', national_id: 'x1' }));
    expect(invalid.status).toBe(400);
    // each error is tied to its field; the sensitive value typed is never echoed back
    for (const f of ['postcode', 'email', 'national_id']) {
      expect(invalid.html).toMatch(new RegExp(`<p class="error" id="f-${f}-error">Error: `));
      expect(invalid.html).toMatch(
        new RegExp(`id="f-${f}"[^>]*aria-describedby="[^"]*f-${f}-error"[^>]*aria-invalid="true"`),
      );
    }
    expect(invalid.html).toContain('role="alert"');
    expect(invalid.html).toContain('value="12 Harbour Road"');
    expect(invalid.html).not.toContain('value="x1"');
    const [open] = await sql<{ consumed_at: Date | null }>(
      world,
      'SELECT consumed_at FROM form_links WHERE id = $1',
      [r.body.linkId],
    );
    expect(open!.consumed_at).toBeNull();

    const ok = await postForm(url, filled());
    expect(ok.status).toBe(200);
    expect(ok.html).toContain('your form was sent');

    // the tenant's backend: one POST, Standard-Webhooks signed, with every value (the sensitive one included)
    const hit = await waitFor(() => receiver.requests.find((q) => q.body?.linkId === r.body.linkId), {
      what: 'form webhook',
    });
    const verified = new Webhook(secret).verify(hit.raw, hit.headers as Record<string, string>) as Record<
      string,
      unknown
    >;
    expect(verified).toMatchObject({
      type: 'form.submitted',
      tenantId: T,
      template: { id: templateId, name: 'address-change' },
      conversationId,
      data: { ...filled(), moving_date: '2027-01-15' },
    });
    expect(hit.headers['webhook-id']).toBe(verified.id);
    await waitFor(async () => {
      const [s] = await sql<{ status: string }>(
        world,
        'SELECT status FROM form_submissions WHERE link_id = $1',
        [r.body.linkId],
      );
      return s?.status === 'delivered';
    });
    // stored encrypted: the plaintext is nowhere in the row
    const [stored] = await sql<{ row: string }>(
      world,
      'SELECT row_to_json(s)::text AS row FROM form_submissions s WHERE link_id = $1',
      [r.body.linkId],
    );
    expect(stored!.row).not.toContain(SENSITIVE);
    expect(stored!.row).not.toContain(Buffer.from(SENSITIVE).toString('hex'));

    // the conversation's internal note: names the form, carries no value; the conversation stays open
    const note = await waitFor(
      () =>
        kafka
          .events('conversationMessages')
          .find((e) => e.data.conversationId === conversationId && e.data.sender.role === 'system'),
      { what: 'conversation note' },
    );
    expect(note.data).toMatchObject({
      direction: 'inbound',
      kind: 'text',
      text: 'form address-change submitted',
    });
    const transcript = JSON.stringify(kafka.events('conversationMessages'));
    expect(transcript).not.toContain(SENSITIVE);
    expect(kafka.events('conversationMessages').some((e) => e.data.kind === 'ended')).toBe(false);

    // nothing sensitive in any log line of the service
    expect(svc.logs.join('')).toContain('form submitted');
    expect(svc.logs.join('')).not.toContain(SENSITIVE);
    expect(svc.logs.join('')).not.toContain(tokenOf(url)); // the link is a credential: never logged
    const metrics = await fetch(`${svc.url}/metrics`).then((m) => m.text());
    expect(metrics).not.toContain(tokenOf(url));
    expect(metrics).toMatch(
      /hub_form_page_requests_total\{[^}]*method="POST",result="submitted"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/hub_form_page_requests_total\{[^}]*method="POST",result="invalid"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/hub_form_webhook_attempts_total\{[^}]*result="delivered"[^}]*\} [1-9]/);

    // replay: refused with a clear page, nothing sent twice
    const replay = await postForm(url, filled());
    expect(replay.status).toBe(410);
    expect(replay.html).toContain('already been submitted');
    expect((await getPage(url)).status).toBe(410);
    await new Promise((res) => setTimeout(res, 300)); // a second delivery would have been leased by now
    expect(receiver.requests.filter((q) => q.body?.linkId === r.body.linkId)).toHaveLength(1);
  });

  it('delivery is durable: a failing backend is retried with the same webhook-id until it accepts', async () => {
    const t = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: addressChangeTemplate(`${receiver.url}/flaky`, { name: 'address-change-flaky' }),
    });
    expect(t.status).toBe(201);
    const r = await http(svc.url, 'POST', '/v1/forms/links', {
      tenant: T,
      body: { template_id: t.body.id, prefilled_data: {} },
    });
    expect((await postForm(r.body.url, filled())).status).toBe(200);
    await waitFor(
      async () => {
        const [s] = await sql<{ status: string; attempts: number }>(
          world,
          'SELECT status, attempts FROM form_submissions WHERE link_id = $1',
          [r.body.linkId],
        );
        return s?.status === 'delivered' && s.attempts >= 2;
      },
      { what: 'delivered after a durable retry', timeoutMs: 30_000 },
    );
    const hits = receiver.requests.filter((q) => q.url === '/flaky');
    expect(hits.length).toBe(5);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const h of hits)
      expect(() => new Webhook(secret).verify(h.raw, h.headers as Record<string, string>)).not.toThrow();
    expect(svc.logs.join('')).toContain('form webhook delivery failed');
    expect(svc.logs.join('')).not.toContain(SENSITIVE);
  });

  it('deleting a template: its open links answer 404, a pending delivery is still made', async () => {
    const t = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: addressChangeTemplate(`${receiver.url}/slow`, { name: 'address-change-old' }),
    });
    const issueFor = () =>
      http(svc.url, 'POST', '/v1/forms/links', {
        tenant: T,
        body: { template_id: t.body.id, prefilled_data: {} },
      });
    const [used, open] = [await issueFor(), await issueFor()];
    expect((await postForm(used.body.url, filled())).status).toBe(200);
    expect((await http(svc.url, 'DELETE', `/v1/forms/templates/${t.body.id}`, { tenant: T })).status).toBe(
      204,
    );
    expect((await http(svc.url, 'DELETE', `/v1/forms/templates/${t.body.id}`, { tenant: T })).status).toBe(
      404,
    );
    expect((await getPage(open.body.url)).status).toBe(404);
    await waitFor(
      async () => {
        const [s] = await sql<{ status: string }>(
          world,
          'SELECT status FROM form_submissions WHERE link_id = $1',
          [used.body.linkId],
        );
        return s?.status === 'delivered';
      },
      { what: 'the pending delivery made after the delete', timeoutMs: 30_000 },
    );
    expect(
      receiver.requests.filter((q) => q.url === '/slow' && q.body?.linkId === used.body.linkId),
    ).toHaveLength(4);
  });

  it('single use is the database’s: parallel submits of one link → exactly one succeeds', async () => {
    const r = await issue({ prefilled_data: {} });
    const results = await Promise.all(Array.from({ length: 5 }, () => postForm(r.body.url, filled())));
    expect(results.map((x) => x.status).sort()).toEqual([200, 410, 410, 410, 410]);
    const [n] = await sql<{ n: number }>(
      world,
      'SELECT count(*)::int AS n FROM form_submissions WHERE link_id = $1',
      [r.body.linkId],
    );
    expect(n!.n).toBe(1);
  });

  it('expired, wrong-audience, tampered and foreign-tenant links → a clear page with 410 / 401 / 404', async () => {
    const r = await issue({ prefilled_data: {} });
    const token = tokenOf(r.body.url);
    const c = claimsOf(token);
    const sign = (claims: Record<string, unknown>, exp: number, aud = FORM_LINK_AUDIENCE) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(FORM_LINK_ISSUER)
        .setAudience(aud)
        .setSubject(String(c.sub))
        .setJti(String(c.jti))
        .setExpirationTime(exp)
        .sign(key);

    const expired = await getPage(
      `${svc.url}/forms/${await sign({ tid: T }, Math.floor(Date.now() / 1000) - 5)}`,
    );
    expect(expired.status).toBe(410);
    expect(expired.html).toContain('expired');
    const wrongAud = await getPage(
      `${svc.url}/forms/${await sign({ tid: T }, c.exp as number, 'agent-gateway')}`,
    );
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.html).toContain('not a valid form link');
    const tampered = await getPage(
      `${svc.url}/forms/${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`,
    );
    expect(tampered.status).toBe(401);
    const otherKey = await new SignJWT({ tid: T })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(FORM_LINK_ISSUER)
      .setAudience(FORM_LINK_AUDIENCE)
      .setSubject(String(c.sub))
      .setJti(String(c.jti))
      .setExpirationTime(c.exp as number)
      .sign(randomBytes(32));
    expect((await getPage(`${svc.url}/forms/${otherKey}`)).status).toBe(401);
    // the same link id and jti claimed for another tenant: RLS finds no such link there
    const foreign = await getPage(`${svc.url}/forms/${await sign({ tid: OTHER }, c.exp as number)}`);
    expect(foreign.status).toBe(404);
    expect(
      (await postForm(`${svc.url}/forms/${await sign({ tid: OTHER }, c.exp as number)}`, filled())).status,
    ).toBe(404);

    // expired in the database (the JWT's exp still ahead): 410 on GET and POST, nothing stored
    await sql(world, "UPDATE form_links SET expires_at = now() - interval '1 second' WHERE id = $1", [
      r.body.linkId,
    ]);
    expect((await getPage(r.body.url)).status).toBe(410);
    expect((await postForm(r.body.url, filled())).status).toBe(410);
    const [n] = await sql<{ n: number }>(
      world,
      'SELECT count(*)::int AS n FROM form_submissions WHERE link_id = $1',
      [r.body.linkId],
    );
    expect(n!.n).toBe(0);
  });

  it('a tenant’s own page (external target): linked with form_token, reads the form as JSON, submits JSON', async () => {
    const t = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: addressChangeTemplate(`${receiver.url}/forms-hook`, {
        name: 'address-change-portal',
        target: { type: 'external', url: 'https://portal.example.com/address?lang=en' },
      }),
    });
    expect(t.status).toBe(201);
    const r = await http(svc.url, 'POST', '/v1/forms/links', {
      tenant: T,
      body: { template_id: t.body.id, prefilled_data: { full_name: 'Ann Example' } },
    });
    const portal = new URL(r.body.url);
    expect(`${portal.origin}${portal.pathname}`).toBe('https://portal.example.com/address');
    expect(portal.searchParams.get('lang')).toBe('en');
    const token = portal.searchParams.get('form_token')!;
    const form = await fetch(`${svc.url}/forms/${token}`, { headers: { accept: 'application/json' } });
    expect(form.status).toBe(200);
    const body = await form.json();
    expect(body.values).toEqual({ full_name: 'Ann Example' });
    expect(body.fields.map((f: { name: string }) => f.name)).toContain('national_id');
    const sent = await fetch(`${svc.url}/forms/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(filled()),
    });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toEqual({ status: 'submitted' });
    const again = await fetch(`${svc.url}/forms/${token}`, { headers: { accept: 'application/json' } });
    expect(again.status).toBe(410);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    await waitFor(() => receiver.requests.find((q) => q.body?.linkId === r.body.linkId), { what: 'webhook' });
  });

  it('JSON submit (a tenant’s own page) answers problem+json naming each field', async () => {
    const r = await issue({ prefilled_data: {} });
    const res = await fetch(r.body.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(filled({ moving_date: '2020-01-01' })),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await res.json();
    expect(body.errors).toEqual([{ field: 'moving_date', message: 'must be on or after 2026-01-01' }]);
  });

  it('submit attempts per link are rate limited (429 with Retry-After)', async () => {
    const r = await issue({ prefilled_data: {} });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await postForm(r.body.url, filled({ postcode: 'x' }))).status);
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(400));
    const limited = await postForm(r.body.url, filled());
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('the page limiter (real Redis): requests per IP per minute, submits per link, shared by replicas', async () => {
    const opts = {
      redisUrl: world.env.REDIS_URL,
      keyPrefix: `forms-rl-${randomUUID().slice(0, 8)}:`,
      perIpPerMinute: 3,
      submitsPerLink: 2,
    };
    const [a, b] = [new FormPageRateLimiter(opts), new FormPageRateLimiter(opts)];
    try {
      await waitFor(() => a.shared && b.shared, { what: 'both limiters connected to Redis' });
      expect(await a.hit('10.0.0.1')).toBeNull();
      expect(await b.hit('10.0.0.1')).toBeNull();
      expect(await a.hit('10.0.0.1')).toBeNull();
      expect(await b.hit('10.0.0.1')).toBeGreaterThan(0); // the 4th of that IP, counted across both replicas
      expect(await a.hit('10.0.0.2', 'link-1')).toBeNull();
      expect(await a.hit('10.0.0.3', 'link-1')).toBeNull();
      expect(await b.hit('10.0.0.4', 'link-1')).toBeGreaterThan(0); // 3rd submit of that link, other IPs
    } finally {
      a.onApplicationShutdown();
      b.onApplicationShutdown();
    }
  });

  it('the decision: send_secure_form is bound to POST /v1/forms/links and records pathPicked form', async () => {
    await http(svc.url, 'PUT', '/v1/escalation/config', {
      tenant: T,
      body: {
        detectors: Object.fromEntries(
          [
            'human_request',
            'complaint',
            'frustration',
            'legal_advice',
            'medical_advice',
            'financial_advice',
          ].map((d) => [d, { enabled: false }]),
        ),
        rules: [{ id: 'address', kind: 'keyword', keywords: ['new address'], path: 'form' }],
        paths: { form: { enabled: true, templateId: 'address-change' } },
      },
    });
    const tools = await http(svc.url, 'GET', '/v1/escalation/tools', { tenant: T });
    expect(tools.body.bindings.find((b: { tool: string }) => b.tool === 'send_secure_form')).toMatchObject({
      status: 'hub',
      method: 'POST',
      path: '/v1/forms/links',
    });
    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const decision = await http(svc.url, 'POST', '/v1/escalation/decisions', {
      tenant: T,
      body: {
        conversationId,
        transcript: [
          { role: 'user', text: 'I moved, here is my new address', timestamp: '2026-12-02T10:00:00Z' },
        ],
      },
    });
    expect(decision.status).toBe(201);
    // the bot passes the config's default template (its name) through, as the tool manifest offers it
    const form = tools.body.tools.find(
      (t: { function: { name: string } }) => t.function.name === 'send_secure_form',
    );
    expect(form.function.parameters.properties.template_id.default).toBe('address-change');
    const link = await issue({
      template_id: 'address-change',
      prefilled_data: {},
      decision_id: decision.body.decisionId,
    });
    expect(link.status).toBe(201);
    expect(link.body.templateId).toBe(templateId);
    expect(link.body.conversationId).toBe(conversationId);
    const after = await http(svc.url, 'GET', `/v1/escalation/decisions/${decision.body.decisionId}`, {
      tenant: T,
    });
    expect(after.body.pathPicked).toBe('form');
    const unknownDecision = await issue({ prefilled_data: {}, decision_id: randomUUID() });
    expect(unknownDecision.status).toBe(404);
    expect(unknownDecision.body.errors[0].field).toBe('decision_id');
  });
});
