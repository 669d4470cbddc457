import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attributes, Contact, TranscriptEntry } from '@hub/contracts';

/** Folder of the shipped sample data (with licences); `../shared/data` is not needed. */
export const DATA_DIR = join(__dirname, '..', 'data');

/** One real conversation prepared for replay: the bot part (transcript) and the live part with an agent. */
export interface ConversationScript {
  key: string;
  source: 'abcd' | 'dstc11';
  /** Flow variable `selected_queue`, the queue name the Handoff node routes to. */
  queue: string;
  intent?: string;
  transcript: TranscriptEntry[];
  /** Turns after the handoff, in order: customer turns arrive inbound, agent turns are the agent's replies. */
  live: { speaker: 'customer' | 'agent'; text: string }[];
  contact: Contact;
  attributes: Attributes;
}

/** ABCD flow → queue (the retail bot's `selected_queue`). */
const ABCD_QUEUES: Record<string, string> = { product_defect: 'Returns', storewide_query: 'Store' };
/** DSTC11 knowledge domain → queue. */
const DSTC_QUEUES: Record<string, string> = { hotel: 'Hotels', restaurant: 'Restaurants' };

interface AbcdConvo {
  convo_id: number;
  scenario: {
    flow: string;
    subflow: string;
    personal: { customer_name: string; email: string; phone: string; member_level: string };
  };
  original: [string, string][];
}

function titleCase(s: string): string {
  return s.replace(/\b\w/g, (c) => c.toUpperCase());
}

function transcriptOf(turns: { speaker: string; text: string }[], t0: number): TranscriptEntry[] {
  return turns.map((t, i) => ({
    role: t.speaker === 'customer' ? 'user' : 'bot',
    text: t.text,
    timestamp: new Date(t0 + i * 15_000).toISOString(),
  }));
}

/**
 * Loads the shipped sample: 3 ABCD retail conversations (MIT) and 40 DSTC11 hotel/restaurant
 * dialogues (CDLA-Sharing-1.0). The first part of each dialogue becomes the bot transcript; the
 * Handoff node fires there; the rest is replayed live between the customer and the agent.
 */
export function loadScripts(maxLiveTurns = 4): ConversationScript[] {
  const t0 = Date.now() - 10 * 60_000;
  const abcd = JSON.parse(
    readFileSync(join(DATA_DIR, 'abcd', 'conversations-sample.json'), 'utf8'),
  ) as AbcdConvo[];
  const scripts: ConversationScript[] = abcd.map((c) => {
    const turns = c.original.filter(([s]) => s !== 'action').map(([speaker, text]) => ({ speaker, text }));
    const cut = Math.max(4, Math.floor(turns.length * 0.4));
    const p = c.scenario.personal;
    return {
      key: `abcd-${c.convo_id}`,
      source: 'abcd',
      queue: ABCD_QUEUES[c.scenario.flow] ?? 'Store',
      intent: c.scenario.subflow,
      transcript: transcriptOf(turns.slice(0, cut), t0),
      live: turns.slice(cut, cut + maxLiveTurns) as ConversationScript['live'],
      contact: { name: titleCase(p.customer_name), email: p.email, phone: p.phone },
      attributes: {
        selected_queue: ABCD_QUEUES[c.scenario.flow] ?? 'Store',
        flow: c.scenario.flow,
        subflow: c.scenario.subflow,
        member_level: p.member_level,
      },
    };
  });
  scripts.push(...readDstc('dialogues-sample.jsonl', t0, maxLiveTurns));
  return scripts;
}

/**
 * Loads the bot's self-service sample: 80 more DSTC11 hotel/restaurant dialogues (CDLA-Sharing-1.0,
 * `dstc11-track5/bot-sessions-sample.jsonl`, disjoint from the replayed 40). The demo's bot asks the escalation
 * policy about each: it answers those itself where the policy sees no reason to escalate and hands off the rest;
 * all of them count in the bot's conversation totals (the handoff rate's denominator).
 */
export function loadBotSessions(maxLiveTurns = 4): ConversationScript[] {
  return readDstc('bot-sessions-sample.jsonl', Date.now() - 10 * 60_000, maxLiveTurns);
}

/** DSTC11 dialogues (`{id, domain, turns}` lines) → scripts: the last 3 turns are the live part. */
function readDstc(file: string, t0: number, maxLiveTurns: number): ConversationScript[] {
  const lines = readFileSync(join(DATA_DIR, 'dstc11-track5', file), 'utf8')
    .trim()
    .split('\n');
  return lines.map((line) => {
    const d = JSON.parse(line) as {
      id: string;
      domain: string;
      turns: { speaker: 'customer' | 'agent'; text: string }[];
    };
    const cut = Math.max(1, d.turns.length - 3);
    return {
      key: d.id,
      source: 'dstc11',
      queue: DSTC_QUEUES[d.domain] ?? 'Hotels',
      transcript: transcriptOf(d.turns.slice(0, cut), t0),
      live: d.turns.slice(cut, cut + maxLiveTurns),
      contact: {},
      attributes: { selected_queue: DSTC_QUEUES[d.domain] ?? 'Hotels', domain: d.domain },
    };
  });
}
