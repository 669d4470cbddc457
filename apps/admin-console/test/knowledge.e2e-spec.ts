import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHARED_DATA_DIR, api, waitFor } from '@hub/testing';
import { ConsoleHarness, screenshot, seriousViolations } from './support/console-harness';

jest.setTimeout(300_000);

/** The real hotel/restaurant knowledge base (DSTC11 track 5, CDLA-Sharing-1.0): 10,882 rows, 2.3 MB. */
const KNOWLEDGE_FILE = join(SHARED_DATA_DIR, 'retrieval', 'knowledge.jsonl');

describe('console: Knowledge bases and Queue mapping (Chromium, real suggestion-service)', () => {
  const h = new ConsoleHarness('console-kb');
  let page: Page;
  let kbId: string;

  beforeAll(async () => {
    await h.start({}, { suggestion: true });
    page = await h.signedInPage('/knowledge-bases');
  }, 300_000);

  afterAll(async () => {
    await page?.close();
    await h.stop();
  }, 60_000);

  it('creates a knowledge base, uploads the real KB with progress, lists documents and answers a question', async () => {
    await page.getByRole('heading', { name: 'Knowledge bases', level: 1 }).waitFor();
    await page.getByTestId('empty-state').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    const create = page.getByRole('form', { name: 'New knowledge base' });
    await create.getByRole('button', { name: 'Create knowledge base' }).click();
    await create.getByText('Give the knowledge base a name').waitFor(); // validated before sending
    await create.getByLabel('Name').fill('Cambridge hotels');
    await create.getByLabel('Description').fill('Hotels and restaurants FAQ and reviews');
    await create.getByRole('button', { name: 'Create knowledge base' }).click();
    await page.getByTestId('kb-detail').getByRole('heading', { name: 'Cambridge hotels' }).waitFor();
    const kbs = await api(`${h.suggestion!.url}/v1/knowledge-bases`, 'GET', undefined, h.headers());
    kbId = String(
      (kbs.body.items as { id: string; name: string }[]).find((k) => k.name === 'Cambridge hotels')!.id,
    );

    // a duplicate name: the API's 409 next to the name field
    await create.getByLabel('Name').fill('Cambridge hotels');
    await create.getByRole('button', { name: 'Create knowledge base' }).click();
    await create.getByText('already exists').waitFor();

    // a bad file: the service's 400 names the line, shown on the file field; nothing stored
    const dir = mkdtempSync(join(tmpdir(), 'console-kb-'));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"id":"a","title":"A","text":"fine"}\n{"id":"b","title":"B"}\n');
    const upload = page.getByRole('form', { name: 'Upload documents' });
    await upload.locator('input[type=file]').setInputFiles(bad);
    await upload.getByRole('button', { name: 'Upload' }).click();
    await upload
      .getByText(/line 2/)
      .first()
      .waitFor();
    const none = await api(`${h.suggestion!.url}/v1/knowledge-bases/${kbId}`, 'GET', undefined, h.headers());
    expect(none.body.documentCount).toBe(0);

    // the real knowledge base: watch the progress bar move to 100 %
    await upload.locator('input[type=file]').setInputFiles(KNOWLEDGE_FILE);
    await upload.getByRole('button', { name: 'Upload' }).click();
    const bar = upload.getByRole('progressbar', { name: 'Upload progress' });
    const seen = new Set<number>();
    const statusText = () =>
      upload
        .getByRole('status')
        .first()
        .innerText()
        .catch(() => '(no status)');
    await waitFor(
      async () => {
        const v = Number(await bar.getAttribute('aria-valuenow').catch(() => null));
        if (Number.isFinite(v)) seen.add(v);
        return v === 100 ? v : null;
      },
      { timeoutMs: 240_000, intervalMs: 50 },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; progress seen ${[...seen].join(',')}; status: ${await statusText()}`);
    });
    await upload.getByText('Done: 10882 documents').waitFor();
    expect([...seen].some((v) => v > 0 && v < 100)).toBe(true); // it showed progress, not only the end
    const stored = await api(
      `${h.suggestion!.url}/v1/knowledge-bases/${kbId}`,
      'GET',
      undefined,
      h.headers(),
    );
    expect(stored.body.documentCount).toBe(10882);

    // the document list
    const docs = page.getByTestId('documents');
    await docs.getByText('Are children welcomed at this location?').first().waitFor();
    expect(await docs.locator('tbody tr').count()).toBe(200);

    // try a question: sources with scores from the service's own retrieval
    const ask = page.getByRole('form', { name: 'Try a question' });
    await ask.getByLabel('Question').fill('Can I bring my pet to A and B Guest House?');
    await ask.getByRole('button', { name: 'Search' }).click();
    const sources = page.getByTestId('sources');
    await sources.waitFor();
    const first = sources.locator('tbody tr').first();
    expect(await first.innerText()).toContain('Can I bring my pet to A and B Guest House?');
    const score = Number(await first.getByTestId('score').innerText());
    expect(score).toBeGreaterThan(0);
    await page
      .getByText(/threshold/)
      .first()
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'knowledge-bases');
  });

  it('maps a queue to the knowledge base and shows the saved mapping', async () => {
    const q = await api(
      `${h.router.url}/v1/queues`,
      'POST',
      { name: 'Hotel bookings', active: true, isDefault: false, offerTimeoutSeconds: 30 },
      h.headers(),
    );
    expect(q.status).toBe(201);
    await page.getByRole('link', { name: 'Queue mapping' }).click();
    await page.getByRole('heading', { name: 'Queue mapping', level: 1 }).waitFor();
    await page.getByTestId('empty-state').waitFor();
    const form = page.getByRole('form', { name: 'Map a queue' });
    await form.getByRole('button', { name: 'Save mapping' }).click();
    await form.getByText('Choose a knowledge base').waitFor(); // validated before sending

    await form.getByRole('textbox', { name: 'Queue or skill' }).fill('Hotel');
    await page.getByRole('option', { name: 'Hotel bookings' }).click();
    await form.getByRole('textbox', { name: 'Knowledge base' }).click();
    await page.getByRole('option', { name: 'Cambridge hotels' }).click();
    await form.getByLabel('System prompt').fill('Answer as the hotel concierge; quote the source.');
    await form.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Saved: queue Hotel bookings → Cambridge hotels.').waitFor();
    await page.getByTestId('queue-mappings').getByText('Hotel bookings').waitFor();

    const m = await api(
      `${h.suggestion!.url}/v1/queue-mappings/${encodeURIComponent('hotel bookings')}`,
      'GET',
      undefined,
      h.headers(),
    );
    expect(m.status).toBe(200);
    expect(m.body.knowledgeBaseId).toBe(kbId);
    expect(m.body.systemPrompt).toBe('Answer as the hotel concierge; quote the source.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'queue-mapping');
  });

  it("fills the AudioHook integration's vocabulary from the knowledge base's entity names", async () => {
    await page.goto(`${h.console.url}/integrations`);
    await page.getByRole('button', { name: 'Add integration' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Type/).first().click();
    await page.getByRole('option', { name: 'Genesys AudioHook (voice)', exact: true }).click();
    await dialog.getByLabel(/^Name/).fill('Voice');
    await dialog.getByLabel(/^Organization ID/).fill('6f1d3c2a-8a8b-4c1e-9a57-3c2f0e7f4b11');
    await dialog.getByLabel(/^API key/).fill('audiohook-api-key-0123456789');
    await dialog.getByLabel(/^Vocabulary$/).fill('["Reception Desk"]');
    await dialog.getByRole('textbox', { name: 'Knowledge base for the vocabulary' }).click();
    await page.getByRole('option', { name: /^Cambridge hotels/ }).click();
    await dialog.getByRole('button', { name: 'Fill from knowledge base' }).click();
    await dialog.getByText(/names added/).waitFor();
    const filled = JSON.parse(await dialog.getByLabel(/^Vocabulary$/).inputValue()) as string[];
    // the phrase typed before stays first; the KB's entity names follow, title-cased
    expect(filled[0]).toBe('Reception Desk');
    expect(filled).toEqual(expect.arrayContaining(['Golden Wok', 'Limehouse', 'Cityroomz']));
    expect(filled.length).toBeLessThanOrEqual(500);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create integration' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const list = await api(`${h.orchestrator.url}/v1/integrations`, 'GET', undefined, h.headers());
    const voice = (list.body as unknown as { name: string; config: { vocabulary?: string[] } }[]).find(
      (i) => i.name === 'Voice',
    );
    expect(voice?.config.vocabulary).toEqual(filled);
  });
});
