import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@hub/config';
import { bootstrapService, createLogger } from '@hub/observability';
import { SHARED_DATA_DIR, authHeaders, type TestWorld } from '@hub/testing';
import { AppModule } from '../src/app.module';
import { SuggestionConfigSchema } from '../src/config';
import { configureSuggestionHttp } from '../src/http-setup';

/** The shared real data folder (`../shared/data` beside the repository). */
/** Override with HUB_DATA_DIR when the checkout is not at the usual depth (git worktrees). */
export const DATA_DIR = SHARED_DATA_DIR;

/** First `n` rows of the real knowledge base (data/retrieval/knowledge.jsonl, CDLA-Sharing-1.0). */
export function knowledgeRows(n: number): { id: string; entity: string; title: string; text: string }[] {
  return readFileSync(join(DATA_DIR, 'retrieval', 'knowledge.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((l) => JSON.parse(l));
}

/** Rows of the real knowledge base for the given entities (all their documents). */
export function knowledgeRowsOf(
  entities: string[],
): { id: string; entity: string; title: string; text: string }[] {
  const want = new Set(entities);
  return readFileSync(join(DATA_DIR, 'retrieval', 'knowledge.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => want.has(r.entity));
}

/** Starts the service in-process on a free port against the world. */
export async function startService(
  world: TestWorld,
  extra: Record<string, string> = {},
): Promise<{ app: INestApplication; url: string }> {
  const config = loadConfig('suggestion-service', SuggestionConfigSchema, {
    ...world.env,
    PORT: '0',
    ...extra,
  });
  const logger = createLogger('suggestion-service', config.LOG_LEVEL);
  const { app, port } = await bootstrapService({
    module: AppModule.forRoot(config, { logger }),
    logger,
    port: 0,
    host: '127.0.0.1',
    configure: (a) => configureSuggestionHttp(a, config),
  });
  return { app, url: `http://127.0.0.1:${port}` };
}

/** JSON request helper: returns status and parsed body. */
export async function api(
  url: string,
  method: string,
  path: string,
  tenant: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are asserted field by field
): Promise<{ status: number; body: any }> {
  const h: Record<string, string> = { ...headers };
  if (tenant) Object.assign(h, await authHeaders(tenant));
  let payload: string | undefined;
  if (body !== undefined) {
    if (typeof body === 'string') payload = body;
    else {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
  }
  const res = await fetch(url + path, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* plain text */
  }
  return { status: res.status, body: parsed };
}

export function toJsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
