import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { waitFor } from './wait-for';
import { authHeaders } from './auth';

/** Repository root (where `apps/` and `libs/` live). */
export const WORKSPACE_ROOT = join(__dirname, '..', '..', '..');

/** The shared real data folder (`../shared/data` beside the repository); `HUB_DATA_DIR` overrides it (git worktrees). */
export const SHARED_DATA_DIR = process.env['HUB_DATA_DIR'] ?? join(WORKSPACE_ROOT, '..', 'shared', 'data');

/** A service of the system running as its own process (`node --require @swc-node/register apps/<svc>/src/main.ts`). */
export interface RunningService {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout + stderr so far (last 200 kB), for diagnostics. */
  output: () => string;
  /** SIGTERM (graceful shutdown), SIGKILL after `killAfterMs` (default 15 000 ms). */
  stop: () => Promise<void>;
  /** SIGKILL now: a crash. */
  kill: () => Promise<void>;
}

/** Options for {@link startService}. */
export interface StartServiceOptions {
  /** How long to wait for it to come up, ms. Default 90 000. */
  timeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL, ms. Default 15 000. */
  killAfterMs?: number;
  /** `healthz` (process serves HTTP: fully bootstrapped, consumers joined) or `readyz` (dependencies reachable). */
  ready?: 'healthz' | 'readyz';
  /** The service serves HTTPS with a certificate signed by this PEM CA: `url` is `https://…`, readiness is checked over TLS. */
  tlsCa?: string;
}

/**
 * A request over HTTPS trusting only `ca` (PEM), for services started with {@link StartServiceOptions.tlsCa}.
 * @returns status and parsed JSON body (or text); the peer certificate's subject CN
 * @throws on TLS failure (e.g. certificate not signed by `ca`) or connection errors
 */
export function httpsApi(
  url: string,
  method: string,
  ca: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; peerCn: string | undefined }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      url,
      {
        method,
        ca,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate?.();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const cn = peer?.subject?.CN;
          resolve({
            status: res.statusCode ?? 0,
            body: jsonOrText(Buffer.concat(chunks).toString()),
            peerCn: Array.isArray(cn) ? cn[0] : cn,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `apps/<name>` as a child process with `env` (usually a test world's env plus the service's own
 * variables) on a free port — apps never import each other, so other services run as their own process,
 * as in production — and waits until `/healthz` (or `/readyz`) answers.
 * @throws if the process exits or does not answer within `timeoutMs` (default 90 000 ms); the error carries
 *         the tail of its output
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  { timeoutMs = 90000, killAfterMs = 15000, ready = 'healthz', tlsCa }: StartServiceOptions = {},
): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', '@swc-node/register', `apps/${name}/src/main.ts`], {
    cwd: WORKSPACE_ROOT,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const output = () => out;
  const url = `${tlsCa ? 'https' : 'http'}://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!alive()) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(t);
  };
  const kill = async () => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor(
      async () => {
        if (!alive()) throw new Error(`${name} exited: ${out.slice(-2000)}`);
        if (tlsCa) return (await httpsApi(`${url}/${ready}`, 'GET', tlsCa)).status === 200;
        return (await fetch(`${url}/${ready}`)).ok;
      },
      { timeoutMs, intervalMs: 250, what: `${name} to start` },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { name, url, port, child, output, stop, kill };
}

/** JSON (or raw string) HTTP request; returns the status and the parsed body (or text). */
export async function api(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(typeof body === 'string' ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: jsonOrText(await res.text()) };
}

/** A response body parsed as JSON; the text itself when it is not JSON, undefined when empty. */
function jsonOrText(text: string): Record<string, unknown> {
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return json as Record<string, unknown>;
}

/**
 * Rows of the real knowledge base (`../shared/data/retrieval/knowledge.jsonl`, DSTC11 track 5,
 * CDLA-Sharing-1.0) for the given entities, as JSON Lines.
 */
export function knowledgeJsonl(entities: string[]): string {
  const want = new Set(entities);
  return (
    readFileSync(join(SHARED_DATA_DIR, 'retrieval', 'knowledge.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .filter((l) => want.has((JSON.parse(l) as { entity: string }).entity))
      .join('\n') + '\n'
  );
}

/** An assist widget connected like the widget page does (Socket.IO namespace `/assist`, `auth: {token}`). */
export interface Widget {
  socket: Socket;
  /** Interaction ids the gateway bound this widget to, in order (`null` = none). */
  interactions: (string | null)[];
  suggestions: {
    interactionId: string;
    utteranceId?: string;
    answer: string;
    generator: string;
    sources: { documentId: string; title: string }[];
  }[];
}

/** Connects an assist widget socket to assist-gateway with an embed/session token. */
export function connectWidget(gatewayUrl: string, token: string): Promise<Widget> {
  const socket = io(`${gatewayUrl}/assist`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const w: Widget = { socket, interactions: [], suggestions: [] };
  socket.on('interaction', (p: { interactionId: string | null }) => w.interactions.push(p.interactionId));
  socket.on('suggestion', (s: Widget['suggestions'][number]) => w.suggestions.push(s));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(w));
    socket.once('connect_error', (e) => reject(e));
  });
}

/**
 * Creates a knowledge base in suggestion-service, uploads `jsonl` (JSON Lines `{id, title, text}`) into it and
 * makes it the tenant's default. Returns the knowledge base id.
 * @throws if any of the three requests does not succeed (status named in the message)
 */
export async function seedDefaultKnowledgeBase(
  suggestionUrl: string,
  tenantId: string,
  name: string,
  jsonl: string,
): Promise<string> {
  const headers = await authHeaders(tenantId);
  const kb = await api(`${suggestionUrl}/v1/knowledge-bases`, 'POST', { name }, headers);
  if (kb.status !== 201) throw new Error(`create knowledge base: HTTP ${kb.status}`);
  const id = String(kb.body.id);
  const up = await api(`${suggestionUrl}/v1/knowledge-bases/${id}/documents`, 'POST', jsonl, {
    ...headers,
    'content-type': 'application/x-ndjson',
  });
  if (up.status !== 201) throw new Error(`upload documents: HTTP ${up.status}`);
  const settings = await api(
    `${suggestionUrl}/v1/assist-settings`,
    'PUT',
    { defaultKnowledgeBaseId: id },
    headers,
  );
  if (settings.status !== 200) throw new Error(`assist settings: HTTP ${settings.status}`);
  return id;
}

/** The Agent Assist back end a connector feeds: suggestion-service and assist-gateway as child processes. */
export interface AssistStack {
  suggestion: RunningService;
  gateway: RunningService;
}

/**
 * Starts suggestion-service and assist-gateway in `env` (a test world's env); assist-gateway signs embed
 * tokens with `embedSecret` (HS256) and accepts `adminKey` on `POST /v1/embed-tokens`.
 */
export async function startAssistStack(
  env: Record<string, string>,
  { embedSecret, adminKey }: { embedSecret: string; adminKey: string },
): Promise<AssistStack> {
  const [suggestion, gateway] = await Promise.all([
    startService('suggestion-service', env),
    startService('assist-gateway', {
      ...env,
      EMBED_TOKEN_SECRET: embedSecret,
      ASSIST_ADMIN_API_KEY: adminKey,
    }),
  ]);
  return { suggestion, gateway };
}
