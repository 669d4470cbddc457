import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '@hub/config';
import type { TestWorld } from '@hub/testing';
import { startHandoffOrchestrator } from '../../src/bootstrap';
import { HandoffOrchestratorConfigSchema } from '../../src/config';
import type { RunningService } from './harness';

/** The form link key of the forms tests (≥ 32 bytes; tests sign foreign / expired tokens with it). */
export const FORM_SECRET = 'forms-spec-link-key-7f3a9c1e5b2d8f4a6c0e';

/** A running orchestrator whose every log line is kept (to prove sensitive values never reach the logs). */
export interface LoggedService extends RunningService {
  logs: string[];
}

/** Starts the orchestrator in-process with fast timers, local webhooks allowed, and a capturing logger. */
export async function startFormsService(
  world: TestWorld,
  env: Record<string, string> = {},
): Promise<LoggedService> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug', base: { service: 'handoff-orchestrator' } }, sink);
  const config = loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, {
    ...world.env,
    PORT: '0',
    HANDOFF_TIMER_POLL_MS: '100',
    CALLBACK_POLL_MS: '100',
    CALLBACK_RETRY_BASE_MS: '200',
    CALLBACK_TIMEOUT_MS: '2000',
    HANDOFF_CALLBACK_ALLOW_HTTP: 'true',
    HANDOFF_CALLBACK_ALLOW_PRIVATE_NETWORKS: 'true',
    FORM_LINK_SECRET: FORM_SECRET,
    FORM_PAGE_RATE_LIMIT_PER_MINUTE: '1000',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const { app, port } = await startHandoffOrchestrator(config, logger);
  return { app, url: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

/** Seed 003's example: an address change, with a sensitive government-ID field. */
export function addressChangeTemplate(webhookUrl: string, over: Record<string, unknown> = {}) {
  return {
    name: 'address-change',
    title: 'Change of address',
    description: 'Tell us your new address. It takes about two minutes.',
    webhookUrl,
    noteText: 'form address-change submitted',
    fields: [
      { name: 'full_name', label: 'Full name', type: 'text', required: true, autocomplete: 'name' },
      {
        name: 'policy_number',
        label: 'Policy number',
        type: 'text',
        required: true,
        pattern: 'PN-[0-9]{6}',
        patternHint: 'PN- and six digits, such as PN-123456',
      },
      {
        name: 'street',
        label: 'Street and number',
        type: 'text',
        required: true,
        autocomplete: 'street-address',
      },
      {
        name: 'postcode',
        label: 'Postcode',
        type: 'text',
        required: true,
        pattern: '[0-9]{5}',
        patternHint: 'five digits',
        autocomplete: 'postal-code',
      },
      { name: 'email', label: 'E-mail', type: 'email', required: true, autocomplete: 'email' },
      { name: 'moving_date', label: 'Moving date', type: 'date', required: true, min: '2026-01-01' },
      {
        name: 'national_id',
        label: 'National ID number',
        type: 'text',
        required: true,
        sensitive: true,
        pattern: '[A-Z]{2}[0-9]{7}',
        patternHint: 'two capital letters and seven digits',
        help: 'We need it to confirm your identity. It is never shown in the chat.',
      },
      {
        name: 'contact_by',
        label: 'Contact me by',
        type: 'select',
        options: [
          { value: 'email', label: 'E-mail' },
          { value: 'phone', label: 'Phone' },
        ],
      },
    ],
    ...over,
  };
}

/** POSTs an HTML form (urlencoded) and returns status and page. */
export async function postForm(
  url: string,
  fields: Record<string, string>,
): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, html: await res.text(), headers: res.headers };
}

/** GETs a page. */
export async function getPage(url: string): Promise<{ status: number; html: string; headers: Headers }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, html: await res.text(), headers: res.headers };
}
