import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { synthesizeTelephony } from '../../src/eval/speech-path';
import { FakeGenesysClient, stereoPcmuFrames, type ServerMsg } from './audiohook-client';
import type { SeededTenant } from './service';
import { pcmuSilence } from './speech';

/** One spoken customer turn of the shared dialogues, synthesized as 8 kHz μ-law. */
export interface SpokenTurn {
  id: string;
  text: string;
  pcmu: Uint8Array;
}

/**
 * The first `n` customer turns of a dialogues file (JSON Lines `{id, turns: [{speaker, text}]}`) with at most
 * `maxWords` words, synthesized by espeak-ng and converted to 8 kHz μ-law (as Genesys sends it).
 */
export async function spokenCustomerTurns(path: string, n: number, maxWords = 18): Promise<SpokenTurn[]> {
  const picked: { id: string; text: string }[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim() || picked.length >= n) continue;
    const d = JSON.parse(line) as { id: string; turns: { speaker: string; text: string }[] };
    d.turns.forEach((t, i) => {
      if (t.speaker === 'customer' && picked.length < n && t.text.split(/\s+/).length <= maxWords)
        picked.push({ id: `${d.id}-${i}`, text: t.text });
    });
  }
  const out: SpokenTurn[] = [];
  for (const p of picked) out.push({ ...p, pcmu: await synthesizeTelephony(p.text) });
  return out;
}

/** What one simulated Genesys call saw. */
export interface CallResult {
  conversationId: string;
  sessionId: string;
  turnId: string;
  /** The server paused the session at some point. */
  paused: boolean;
  /** Audio not sent because the session was paused (discarded as Genesys does), ms. */
  discardedMs: number;
  /** Every frame of the customer's speech was sent (none discarded). */
  speechSent: boolean;
  /** `close` sent → `closed` received, ms (null when it did not come within `closeTimeoutMs`). */
  closeMs: number | null;
  /** The socket closed with 1000 after `closed`. */
  cleanClose: boolean;
  error?: string;
}

/** Settings of {@link runCall}. */
export interface CallOptions {
  url: string;
  tenant: SeededTenant;
  turn: SpokenTurn;
  /** Silence before the turn, ms (the call's start offset within the load). */
  leadMs: number;
  /** Genesys gives up on the close transaction after this long (then error 408), ms. */
  closeTimeoutMs: number;
  /** Frame pacing: 200 ms frames every `frameIntervalMs` (200 = real time). */
  frameIntervalMs?: number;
}

/**
 * One AudioHook call as Genesys Cloud makes it: signed upgrade, `open` (stereo PCMU 8 kHz), then a 200 ms frame
 * every 200 ms — the customer's turn on `external` after `leadMs` of silence, silence on `internal` — with a
 * `ping` every 5 s. A server `pause` is answered with `paused` and the stream clock runs on without sending
 * (audio discarded); `resume` is answered with `resumed {start, discarded}` and sending goes on. At the end,
 * `close`; the close transaction must finish within `closeTimeoutMs`.
 */
export async function runCall(o: CallOptions): Promise<CallResult> {
  const c = new FakeGenesysClient({
    url: o.url,
    organizationId: o.tenant.organizationId,
    apiKey: o.tenant.apiKey,
    clientSecret: o.tenant.clientSecret,
  });
  const conversationId = randomUUID();
  const r: CallResult = {
    conversationId,
    sessionId: c.sessionId,
    turnId: o.turn.id,
    paused: false,
    discardedMs: 0,
    speechSent: true,
    closeMs: null,
    cleanClose: false,
  };
  const interval = o.frameIntervalMs ?? 200;
  try {
    await c.opened;
    let paused = false;
    let pausedAtMs = 0;
    let discardedNow = 0;
    c.onMessage = (m: ServerMsg) => {
      if (m.type === 'pause' && !paused) {
        paused = true;
        r.paused = true;
        pausedAtMs = (Number(/PT([\d.]+)S/.exec(c.position)?.[1] ?? 0) * 1000) | 0;
        discardedNow = 0;
        c.send('paused', {});
      } else if (m.type === 'resume' && paused) {
        paused = false;
        c.send('resumed', { start: `PT${pausedAtMs / 1000}S`, discarded: `PT${discardedNow / 1000}S` });
      }
    };
    c.open({ organizationId: o.tenant.organizationId, conversationId });
    await c.waitType('opened', 10_000);
    const speech = o.turn.pcmu;
    const external = new Uint8Array(((o.leadMs + 500) * 8000) / 1000 + speech.length + 1500 * 8).fill(0xff);
    const speechStart = (o.leadMs * 8000) / 1000;
    external.set(speech, speechStart);
    const frames = stereoPcmuFrames(external, pcmuSilence((external.length / 8000) * 1000));
    const t0 = Date.now();
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const samples = f.length / 2;
      if (paused) {
        c.advancePosition(samples);
        discardedNow += (samples / 8000) * 1000;
        r.discardedMs += (samples / 8000) * 1000;
        const from = i * 1600;
        if (from + samples > speechStart && from < speechStart + speech.length) r.speechSent = false;
      } else c.sendAudio(f, samples);
      if (i % 25 === 24) c.send('ping', {});
      // absolute schedule: no drift under load
      const wait = t0 + (i + 1) * interval - Date.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
    const closeAt = Date.now();
    c.send('close', { reason: 'end' });
    try {
      await c.waitType('closed', o.closeTimeoutMs);
      r.closeMs = Date.now() - closeAt;
    } catch {
      r.closeMs = null;
    }
    c.ws.close(1000);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      c.closedPromise,
      new Promise<number>((res) => (timer = setTimeout(() => res(-1), 5000))),
    ]);
    clearTimeout(timer);
    // 1000 from the server, or 1005 (no status) when our own close frame won the race
    r.cleanClose = r.closeMs !== null && (code === 1000 || code === 1005);
  } catch (e) {
    r.error = (e as Error).message;
  } finally {
    c.ws.terminate();
  }
  return r;
}

/** Reads one metric (sum over label sets matching `filter`) from a Prometheus text exposition. */
export function metricSum(
  text: string,
  name: string,
  filter: (labels: string) => boolean = () => true,
): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (m && m[1] === name && filter(m[2] ?? '')) sum += Number(m[3]);
  }
  return sum;
}

/** Counters of the service that explain a turn without a published utterance. */
export interface DropCounters {
  /** `audiohook_stt_flush_timeouts_total`: recognizers killed at the flush timeout (last words lost). */
  flushTimeouts: number;
  /** `audiohook_stt_dropped_utterances_total`: utterances detected but lost (per-utterance engines). */
  droppedUtterances: number;
  /** `audiohook_stt_dropped_audio_seconds_total`: audio dropped by a lagging recognizer. */
  droppedAudioSeconds: number;
  /** `audiohook_discarded_audio_seconds_total{kind="resumed"|"closed_paused"}`: audio never sent while paused. */
  discardedWhilePausedSeconds: number;
  /** `audiohook_stt_errors_total`. */
  sttErrors: number;
  /** `audiohook_late_utterances_total`: published after `closed` (not lost). */
  lateUtterances: number;
}

/** Parses {@link DropCounters} from `/metrics`. */
export function dropCounters(metrics: string): DropCounters {
  return {
    flushTimeouts: metricSum(metrics, 'audiohook_stt_flush_timeouts_total'),
    droppedUtterances: metricSum(metrics, 'audiohook_stt_dropped_utterances_total'),
    droppedAudioSeconds: metricSum(metrics, 'audiohook_stt_dropped_audio_seconds_total'),
    discardedWhilePausedSeconds: metricSum(metrics, 'audiohook_discarded_audio_seconds_total', (l) =>
      /kind="(resumed|closed_paused)"/.test(l),
    ),
    sttErrors: metricSum(metrics, 'audiohook_stt_errors_total'),
    lateUtterances: metricSum(metrics, 'audiohook_late_utterances_total'),
  };
}
