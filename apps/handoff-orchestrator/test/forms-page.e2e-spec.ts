import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { createTestWorld, launchChromium, waitFor, type TestWorld } from '@hub/testing';
import { addressChangeTemplate, startFormsService, type LoggedService } from './support/forms';
import { fakeServer, http, WorldKafka, type Recorded } from './support/harness';

jest.setTimeout(180_000);

const T = 'forms-e2e';
const SENSITIVE = 'QZ7364019';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core in the page and returns its serious/critical violations. The page's CSP allows no script, so
 * axe is evaluated through the DevTools protocol (`page.evaluate`, which CSP does not govern), never
 * injected as a `<script>` — the page itself stays script-free.
 */
async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[]; passes: unknown[] }>;
      };
    };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return {
      passes: r.passes.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target })),
      })),
    };
  });
  expect(result.passes).toBeGreaterThan(10); // axe really checked the page (labels, contrast, landmarks …)
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab until the element with `id` has focus (keyboard only; fails after `max` presses). */
async function tabTo(page: Page, id: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.id ?? '')) === id) return;
  }
  throw new Error(`Tab never reached #${id}`);
}

const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

describe('the hosted secure form in headless Chromium (keyboard only, axe-core, replay refused)', () => {
  let world: TestWorld;
  let svc: LoggedService;
  let kafka: WorldKafka;
  let receiver: Awaited<ReturnType<typeof fakeServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let secret: string;

  beforeAll(async () => {
    world = await createTestWorld();
    receiver = await fakeServer((_req: Recorded, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    svc = await startFormsService(world);
    kafka = new WorldKafka(world);
    await kafka.start(['conversationMessages']);
    secret = (await http(svc.url, 'POST', '/v1/webhook-secret', { tenant: T })).body.secret;
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-US' });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await kafka?.stop();
    await svc?.close();
    await receiver?.close();
    await world?.drop();
  });

  it('opens the link, fills it in by keyboard, sees errors by field, submits, sees success; a replay is refused', async () => {
    const template = await http(svc.url, 'POST', '/v1/forms/templates', {
      tenant: T,
      body: addressChangeTemplate(`${receiver.url}/hook`),
    });
    expect(template.status).toBe(201);
    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const link = await http(svc.url, 'POST', '/v1/forms/links', {
      tenant: T,
      body: {
        template_id: template.body.id,
        prefilled_data: { full_name: 'Ann Example', policy_number: 'PN-204518' },
        return_url: 'https://chat.example.com/conversations/1',
        conversation_id: conversationId,
      },
    });
    expect(link.status).toBe(201);

    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const served = await page.goto(link.body.url);
    expect(served!.status()).toBe(200);
    expect(served!.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.title()).toBe('Change of address');
    // prefilled from the chat; the sensitive field is empty
    expect(await page.inputValue('#f-full_name')).toBe('Ann Example');
    expect(await page.inputValue('#f-national_id')).toBe('');
    expect(await seriousViolations(page)).toEqual([]);

    // keyboard only: Tab between fields, type, Enter to submit — with a wrong postcode first
    await tabTo(page, 'f-street');
    await page.keyboard.type('12 Harbour Road');
    await tabTo(page, 'f-postcode');
    await page.keyboard.type('1011');
    await tabTo(page, 'f-email');
    await page.keyboard.type('ann@example.com');
    await tabTo(page, 'f-moving_date');
    await page.keyboard.type('01152027');
    await tabTo(page, 'f-national_id');
    await page.keyboard.type(SENSITIVE);
    await tabTo(page, 'f-contact_by');
    await page.keyboard.press('ArrowDown'); // "E-mail"
    await tabTo(page, 'form-send');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

    // the same page again, 400: the error next to the field, tied to it, listed in the summary; no value lost
    // but the sensitive one (never echoed back)
    expect(await page.title()).toBe('Error: Change of address');
    const described = await page.getAttribute('#f-postcode', 'aria-describedby');
    expect(described).toContain('f-postcode-error');
    expect(await page.textContent('#f-postcode-error')).toContain('five digits');
    expect(await page.getAttribute('#f-postcode', 'aria-invalid')).toBe('true');
    expect(await page.textContent('[role="alert"]')).toContain('Postcode');
    expect(await page.inputValue('#f-street')).toBe('12 Harbour Road');
    expect(await page.inputValue('#f-moving_date')).toBe('2027-01-15');
    expect(await page.inputValue('#f-national_id')).toBe('');
    expect(await seriousViolations(page)).toEqual([]);

    // the summary's link takes keyboard focus to the field
    await tabTo(page, 'summary-postcode');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await activeId(page)) === 'f-postcode', {
      what: 'focus on the postcode field',
    });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('10115');
    await tabTo(page, 'f-national_id');
    await page.keyboard.type(SENSITIVE);
    await tabTo(page, 'form-send');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);

    expect(await page.textContent('h1')).toContain('your form was sent');
    expect(await page.getAttribute('a', 'href')).toBe('https://chat.example.com/conversations/1');
    expect(await seriousViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);

    // the tenant's backend got it, signed (verified with the standardwebhooks library)
    const hit = await waitFor(() => receiver.requests.find((q) => q.body?.linkId === link.body.linkId), {
      what: 'form webhook',
    });
    const payload = new Webhook(secret).verify(hit.raw, hit.headers as Record<string, string>) as {
      data: Record<string, unknown>;
    };
    expect(payload.data).toEqual({
      full_name: 'Ann Example',
      policy_number: 'PN-204518',
      street: '12 Harbour Road',
      postcode: '10115',
      email: 'ann@example.com',
      moving_date: '2027-01-15',
      national_id: SENSITIVE,
      contact_by: 'email',
    });
    // the conversation got the note, without the sensitive value
    const note = await waitFor(
      () => kafka.events('conversationMessages').find((e) => e.data.conversationId === conversationId),
      { what: 'conversation note' },
    );
    expect(note.data.text).toBe('form address-change submitted');
    expect(JSON.stringify(kafka.events('conversationMessages'))).not.toContain(SENSITIVE);
    expect(svc.logs.join('')).not.toContain(SENSITIVE);

    // replay: the link again → a clear page, 410; re-posting the form → 410; nothing sent twice
    const again = await page.goto(link.body.url);
    expect(again!.status()).toBe(410);
    expect(await page.textContent('h1')).toBe('Form already sent');
    const replay = await page.request.post(link.body.url, {
      form: { ...payload.data, national_id: SENSITIVE } as Record<string, string>,
    });
    expect(replay.status()).toBe(410);
    expect(receiver.requests.filter((q) => q.body?.linkId === link.body.linkId)).toHaveLength(1);
  });
});
