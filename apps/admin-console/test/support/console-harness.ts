import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import {
  WORKSPACE_ROOT,
  api,
  createTestWorld,
  launchChromium,
  platformAdminHeaders,
  startService,
  type RunningService,
  type TestWorld,
} from '@hub/testing';

/** Scopes of the console admin's API key in the tests (a tenant administrator). */
export const ADMIN_SCOPES = [
  'integrations:admin',
  'routing:admin',
  'routing:read',
  'forms:admin',
  'callbacks:read',
  'callbacks:write',
  'reports:read',
  'knowledge:read',
  'knowledge:write',
  'handoffs:read',
  'handoffs:write',
  'keys:admin',
  'operations:read',
  'operations:write',
];

/**
 * The console in a test world: real work-item-router and handoff-orchestrator (PostgreSQL, Kafka, Redis of
 * the world), the console server as its own process in front of them (built bundle from `nx build`,
 * dependency of the test target), headless Chromium, and a tenant with an API key the admin signs in with.
 */
export class ConsoleHarness {
  world!: TestWorld;
  router!: RunningService;
  orchestrator!: RunningService;
  console!: RunningService;
  /** ops-service, when started with `{ ops: true }`. */
  ops?: RunningService;
  /** suggestion-service (knowledge bases, queue mappings), when started with `{ suggestion: true }`. */
  suggestion?: RunningService;
  browser!: Browser;
  /** The tenant admin's API key (`hub_live_…`), shown once by `POST /v1/api-keys`. */
  apiKey!: string;

  constructor(readonly tenant: string) {}

  /** Starts everything and creates the tenant and its admin key. */
  async start(
    extraEnv: Record<string, string> = {},
    opts: { ops?: boolean; suggestion?: boolean } = {},
  ): Promise<void> {
    this.world = await createTestWorld('hub_console');
    [this.router, this.orchestrator, this.ops, this.suggestion] = await Promise.all([
      startService('work-item-router', this.world.env, { ready: 'readyz' }),
      startService('handoff-orchestrator', { ...this.world.env, ...extraEnv }, { ready: 'readyz' }),
      opts.ops
        ? startService('ops-service', this.world.env, { ready: 'readyz' })
        : Promise.resolve(undefined),
      opts.suggestion
        ? startService('suggestion-service', this.world.env, { ready: 'readyz' })
        : Promise.resolve(undefined),
    ]);
    this.console = await startService('admin-console', {
      ...this.world.env,
      CONSOLE_ROUTER_URL: this.router.url,
      CONSOLE_ORCHESTRATOR_URL: this.orchestrator.url,
      // services not started in a spec: the proxy answers 502 for them
      CONSOLE_SUGGESTION_URL: this.suggestion?.url ?? 'http://127.0.0.1:9',
      CONSOLE_AGENT_GATEWAY_URL: 'http://127.0.0.1:9',
      CONSOLE_OPS_URL: this.ops?.url ?? 'http://127.0.0.1:9',
    });
    const admin = await platformAdminHeaders();
    const t = await api(
      `${this.router.url}/v1/tenants`,
      'POST',
      { id: this.tenant, name: 'Console Co' },
      admin,
    );
    if (t.status !== 201) throw new Error(`create tenant: HTTP ${t.status}`);
    const key = await api(
      `${this.router.url}/v1/api-keys`,
      'POST',
      { name: 'console admin', scopes: ADMIN_SCOPES },
      { ...admin, 'x-tenant-id': this.tenant },
    );
    if (key.status !== 201) throw new Error(`create API key: HTTP ${key.status} ${JSON.stringify(key.body)}`);
    this.apiKey = String(key.body.key);
    this.browser = await launchChromium();
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await Promise.all([
      this.console?.stop(),
      this.router?.stop(),
      this.orchestrator?.stop(),
      this.ops?.stop(),
      this.suggestion?.stop(),
    ]);
    await this.world?.drop();
  }

  /** Headers of the tenant admin's key, for arranging and asserting through the services' APIs. */
  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  /** A new page at `path` of the console, signed in with the tenant's API key through the sign-in form. */
  async signedInPage(path = '/'): Promise<Page> {
    const page = await this.browser.newPage({ viewport: { width: 1366, height: 900 } });
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${this.console.url}${path}`);
    await page.getByLabel('Credential').fill(this.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console pages' }).waitFor();
    return page;
  }
}

/** An axe-core violation (serious or critical ones fail the specs). */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; summary?: string }[];
}

/**
 * Runs axe-core (WCAG 2.x A/AA rules) in the page and returns its serious and critical violations. axe is
 * evaluated through the DevTools protocol (`page.evaluate`, which the console's CSP does not govern), never
 * injected as a `<script>`. Asserts that axe really checked the page (more than 10 passing rules).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
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
        nodes: v.nodes.map((n) => ({
          target: n.target,
          summary: (n as { failureSummary?: string }).failureSummary,
        })),
      })),
    };
  });
  if (result.passes <= 10) throw new Error(`axe checked too little (${result.passes} passing rules)`);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Folder of the console screenshots in the docs. */
export const SCREENSHOT_DIR = join(WORKSPACE_ROOT, 'docs', 'images');

/** Saves a full-page screenshot as `docs/images/console-<name>.png` (docs/console.md shows them). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `console-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
