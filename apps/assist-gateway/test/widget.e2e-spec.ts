import type { Browser, Page } from 'playwright-core';
import { createTestWorld, type TestWorld } from '@hub/testing';
import { launchChromium } from '@hub/testing';
import {
  SuggestionPublisher,
  firstSentence,
  loadGuidelines,
  mintToken,
  startGateway,
  type RunningGateway,
} from './support/harness';

jest.setTimeout(90_000);

let world: TestWorld;
let gw: RunningGateway;
let publisher: SuggestionPublisher;
let browser: Browser;

beforeAll(async () => {
  world = await createTestWorld();
  gw = await startGateway(world);
  publisher = new SuggestionPublisher(world);
  await publisher.connect();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await publisher?.close();
  await gw?.app.close();
  await world?.drop();
});

const renderedIds = (page: Page) =>
  page.$$eval('#suggestions > li', (lis) => lis.map((li) => li.getAttribute('data-suggestion-id')));

describe('widget page (headless Chromium)', () => {
  it("renders its interaction's suggestions with sources, newest first, and nothing of other interactions or tenants", async () => {
    const token = await mintToken(gw, {
      tenantId: 'acme',
      provider: '8x8',
      ctx: { aid: 'agent-7', iid: 'int-W' },
    });
    const page = await browser.newPage();
    await page.goto(`${gw.url}/widget/?iid=int-W&aid=agent-7#token=${token}`);
    await page.waitForSelector('body[data-state="connected"]');
    expect(await page.textContent('#status')).toContain('Connected as agent-7 (acme)');
    expect(await page.getAttribute('#interaction', 'data-interaction-id')).toBe('int-W');
    // the token is not left in the address bar
    expect(page.url()).not.toContain(token);

    // a real knowledge base (ABCD agent guidelines): answer from one guideline, two sources
    const [doc1, doc2] = loadGuidelines(2);
    const answer = firstSentence(doc1.text);
    const first = await publisher.publish('acme', 'int-W', answer, [
      { documentId: doc1.id, title: doc1.title },
      { documentId: doc2.id, title: doc2.title },
    ]);
    const item = await page.waitForSelector(`li[data-suggestion-id="${first}"]`, { timeout: 30_000 });
    expect(await item.$eval('.answer', (e) => e.textContent)).toBe(answer);
    expect(await item.$eval('.confidence', (e) => e.textContent)).toBe('74%');
    expect(await item.$$eval('.sources li cite', (els) => els.map((e) => e.textContent))).toEqual([
      doc1.title,
      doc2.title,
    ]);
    expect(await item.$$eval('.sources li code', (els) => els.map((e) => e.textContent))).toEqual([
      doc1.id,
      doc2.id,
    ]);

    const otherInteraction = await publisher.publish('acme', 'int-X', 'not for this widget');
    const otherTenant = await publisher.publish('globex', 'int-W', 'another tenant, same interaction id');
    // same Kafka key as globex/int-W → same partition, published after: handled after it
    const second = await publisher.publish('acme', 'int-W', 'Second answer.');
    await page.waitForSelector(`li[data-suggestion-id="${second}"]`, { timeout: 30_000 });
    // and int-X (another key) was handled too before we look: a widget on int-X sees it
    const probe = await mintToken(gw, {
      tenantId: 'acme',
      provider: 'hub',
      agentId: 'p',
      interactionId: 'int-X',
    });
    const probePage = await browser.newPage();
    await probePage.goto(`${gw.url}/widget/#token=${probe}`);
    await probePage.waitForSelector(`li[data-suggestion-id="${otherInteraction}"]`, { timeout: 30_000 });
    await probePage.close();

    expect(await renderedIds(page)).toEqual([second, first]);
    expect(await page.textContent('#suggestions')).not.toContain('not for this widget');
    expect(await renderedIds(page)).not.toContain(otherTenant);
    if (process.env['WIDGET_SCREENSHOT']) await page.screenshot({ path: process.env['WIDGET_SCREENSHOT'] });
    await page.close();
  });

  it('with URL parameters but no token the widget is refused and renders nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/widget/?iid=int-W&aid=agent-7&tenant=acme`);
    await page.waitForSelector('body[data-state="refused"]');
    expect(await page.textContent('#status')).toContain('a widget token is required');
    const id = await publisher.publish('acme', 'int-W', 'must not show');
    // a legitimate widget on the same interaction receives it, the refused one does not
    const ok = await browser.newPage();
    await ok.goto(
      `${gw.url}/widget/#token=${await mintToken(gw, { tenantId: 'acme', provider: 'hub', agentId: 'a', interactionId: 'int-W' })}`,
    );
    await ok.waitForSelector(`li[data-suggestion-id="${id}"]`, { timeout: 30_000 });
    expect(await renderedIds(page)).toEqual([]);
    await ok.close();
    await page.close();
  });

  it('serves the page with a CSP that restricts scripts and framing', async () => {
    const res = await fetch(`${gw.url}/widget/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.status).toBe(200);
  });
});
