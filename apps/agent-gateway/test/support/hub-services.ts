import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HandoffRequestInput } from '@hub/contracts';
import { authHeaders, platformAdminHeaders } from '@hub/testing';

/** JSON request authenticated as a caller of `tenantId` (router admin API, orchestrator REST); POST /v1/tenants as platform admin. */
export async function tenantJson<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  tenantId: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(path === '/v1/tenants' ? await platformAdminHeaders() : await authHeaders(tenantId)),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** One conversation of the ABCD sample shipped with the demo (MIT, tools/demo/data/abcd). */
interface AbcdConversation {
  original: [string, string][];
  scenario: { flow: string; subflow: string; personal: { customer_name: string; email: string } };
}

/**
 * A real ABCD conversation (`index` in tools/demo/data/abcd/conversations-sample.json) as a bot
 * transcript handed off to `queue`: its first eight turns, intent = ABCD subflow, contact from the
 * scenario's customer.
 */
export function abcdHandoff(
  integrationId: string,
  conversationId: string,
  { index = 0, queue = 'Returns' }: { index?: number; queue?: string } = {},
): HandoffRequestInput {
  const file = join(
    __dirname,
    '..',
    '..',
    '..',
    '..',
    'tools',
    'demo',
    'data',
    'abcd',
    'conversations-sample.json',
  );
  const convo = (JSON.parse(readFileSync(file, 'utf8')) as AbcdConversation[])[index];
  const turns = convo.original.filter(([speaker]) => speaker !== 'action').slice(0, 8);
  const t0 = Date.parse('2026-11-21T10:00:00.000Z');
  const name = convo.scenario.personal.customer_name.replace(/\b\w/g, (c) => c.toUpperCase());
  return {
    integrationId,
    botSessionId: `bot-${conversationId}`,
    conversationId,
    channel: 'web',
    routing: { queue },
    transcript: turns.map(([speaker, text], i) => ({
      role: speaker === 'customer' ? 'user' : 'bot',
      text,
      timestamp: new Date(t0 + i * 5000).toISOString(),
    })),
    intent: convo.scenario.subflow,
    attributes: { selected_queue: queue, flow: convo.scenario.flow },
    contact: { name, email: convo.scenario.personal.email },
  };
}
