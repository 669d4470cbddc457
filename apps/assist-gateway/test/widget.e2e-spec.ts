import { randomUUID } from 'node:crypto';
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

  it('renders an LLM answer as it is generated (sources first, text growing in place) and replaces it with the complete suggestion', async () => {
    const page = await browser.newPage();
    await page.goto(
      `${gw.url}/widget/#token=${await mintToken(gw, { tenantId: 'acme', provider: 'hub', agentId: 'a', interactionId: 'int-G' })}`,
    );
    await page.waitForSelector('body[data-state="connected"]');
    const [doc1, doc2] = loadGuidelines(2);
    const sources = [
      { documentId: doc1.id, title: doc1.title },
      { documentId: doc2.id, title: doc2.title },
    ];
    const answerOf = (id: string) => page.textContent(`li[data-suggestion-id="${id}"] .answer`);
    const waitForAnswer = (id: string, text: string) =>
      page.waitForFunction(
        ([sel, want]) => document.querySelector(sel)?.textContent === want,
        [`li[data-suggestion-id="${id}"] .answer`, text] as const,
        { timeout: 30_000 },
      );

    // 1. an answer that completes: the pieces, then the complete suggestion with the same id
    const sid = randomUUID();
    await publisher.publishDelta('acme', 'int-G', sid, 1, 'Verify the', sources);
    const partial = await page.waitForSelector(`li[data-suggestion-id="${sid}"][data-state="partial"]`, {
      timeout: 30_000,
    });
    expect(await partial.$eval('.answer', (e) => e.textContent)).toBe('Verify the');
    // sources and confidence are shown at once, with the first piece
    expect(await partial.$$eval('.sources li cite', (els) => els.map((e) => e.textContent))).toEqual([
      doc1.title,
      doc2.title,
    ]);
    expect(await partial.$eval('.confidence', (e) => e.textContent)).toBe('74%');
    expect(await partial.$eval('.meta', (e) => e.textContent)).toContain('generating');
    expect(await partial.$eval('article', (e) => e.getAttribute('aria-busy'))).toBe('true');
    await publisher.publishDelta('acme', 'int-G', sid, 2, " customer's identity");
    await waitForAnswer(sid, "Verify the customer's identity");
    // a duplicate and a piece after a gap are ignored; the next piece is appended
    await publisher.publishDelta('acme', 'int-G', sid, 2, " customer's identity");
    await publisher.publishDelta('acme', 'int-G', sid, 4, ' NOT THIS');
    await publisher.publishDelta('acme', 'int-G', sid, 3, ' first');
    await waitForAnswer(sid, "Verify the customer's identity first");
    const complete = "Verify the customer's identity first.";
    await publisher.publish('acme', 'int-G', complete, sources, { suggestionId: sid, generator: 'llm' });
    const final = await page.waitForSelector(`li[data-suggestion-id="${sid}"][data-state="final"]`, {
      timeout: 30_000,
    });
    expect(await final.$eval('.answer', (e) => e.textContent)).toBe(complete);
    expect(await final.$eval('.meta', (e) => e.textContent)).toContain('llm');
    expect(await final.$eval('.meta', (e) => e.textContent)).not.toContain('generating');
    expect(await renderedIds(page)).toEqual([sid]); // replaced in place, not added

    // 2. the LLM fails mid-answer: the extractive fallback replaces the partial text
    const failed = randomUUID();
    await publisher.publishDelta('acme', 'int-G', failed, 1, 'The refund policy', sources);
    await publisher.publishDelta('acme', 'int-G', failed, 2, ' says');
    await waitForAnswer(failed, 'The refund policy says');
    const fallback = firstSentence(doc2.text);
    await publisher.publish('acme', 'int-G', fallback, sources, {
      suggestionId: failed,
      generator: 'extractive',
      fallbackReason: 'llm_network_error: terminated',
    });
    await page.waitForSelector(`li[data-suggestion-id="${failed}"][data-state="final"]`, { timeout: 30_000 });
    expect(await answerOf(failed)).toBe(fallback);
    expect(await renderedIds(page)).toEqual([failed, sid]);

    // a re-generated answer's pieces arriving after its complete suggestion change nothing
    await publisher.publishDelta('acme', 'int-G', failed, 1, 'late piece', sources);
    const marker = await publisher.publish('acme', 'int-G', 'Marker.');
    await page.waitForSelector(`li[data-suggestion-id="${marker}"]`, { timeout: 30_000 });
    expect(await answerOf(failed)).toBe(fallback);
    expect(await page.$$eval('li.suggestion.partial', (els) => els.length)).toBe(0);
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
