/**
 * AudioHook capacity benchmark (`npm run bench:audiohook`).
 *
 * Part 1 — sessions: connector-audiohook runs as a child process (speech to text off,
 * AUDIOHOOK_STT=none) on a fresh database/Kafka namespace; N fake Genesys clients (default 500)
 * connect with signed requests, open a session (stereo PCMU offer), then each streams a 200 ms
 * stereo PCMU frame (3,200 bytes) every 200 ms in real time and pings every few seconds. Measured
 * client-side: ping → pong latency (p50/p99/max), sessions opened, frames sent. Floor in the same
 * run, with the same clients and load shape: a raw `ws` echo server in a child process answering
 * each ping with a pong (the bare WebSocket round trip on this machine).
 *
 * Part 2 — speech engine: the PocketSphinx provider (as the service uses it: 8 kHz μ-law → noise-
 * filled 16 kHz → pocketsphinx_continuous) on the LibriVox clips of Debian's pocketsphinx-testdata
 * converted to 8 kHz μ-law; real-time factor = processing time / audio duration, fed as fast as
 * possible (single stream).
 *
 * Options: --sessions N (500) · --seconds N streaming time per phase (60) · --ping-ms N (5000)
 * · --out PATH (docs/bench/audiohook-capacity.json) · --skip-rtf.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import * as prettier from 'prettier';
import { createTestWorld } from '@hub/testing';
import { PocketSphinxSpeechToText } from '../../apps/connector-audiohook/src/stt/pocketsphinx.provider';
import { encodeMulaw } from '../../apps/connector-audiohook/src/audio/pcm';
import { mulaw } from 'alawmulaw';
import { FakeGenesysClient } from '../../apps/connector-audiohook/test/support/audiohook-client';
import { seedAudioHookTenant } from '../../apps/connector-audiohook/test/support/service';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: +pct(xs, 50).toFixed(2),
  p99: +pct(xs, 99).toFixed(2),
  max: +Math.max(...xs).toFixed(2),
  over100ms: xs.filter((x) => x > 100).length,
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${url}`);
    await sleep(200);
  }
}

function rssMb(pid: number | undefined): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (100 Hz)
  } catch {
    return NaN;
  }
}

/** A ws echo server in a child process: answers each text ping with a pong (the floor). */
const ECHO_SERVER = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ port: Number(process.argv[1]), host: '127.0.0.1', perMessageDeflate: false });
let seq = 0;
wss.on('connection', (ws) => ws.on('message', (d, bin) => {
  if (bin) return;
  const m = JSON.parse(d.toString());
  if (m.type === 'ping' || m.type === 'open') ws.send(JSON.stringify({ version: '2', id: m.id, type: m.type === 'ping' ? 'pong' : 'opened', seq: ++seq, clientseq: m.seq, parameters: {} }));
}));
wss.on('listening', () => process.stdout.write('ready\\n'));
`;

interface PhaseResult {
  target: string;
  sessionsRequested: number;
  sessionsOpened: number;
  openMs: ReturnType<typeof summary>;
  pongMs: ReturnType<typeof summary>;
  pingsSent: number;
  pongsMissing: number;
  framesSent: number;
  audioSecondsSent: number;
  unexpectedDisconnects: number;
  serverCpuSeconds?: number;
  serverCpuPercent?: number;
  serverRssMb?: number | null;
}

async function runPhase(opts: {
  target: string;
  url: string;
  sessions: number;
  seconds: number;
  pingMs: number;
  organizationId: string;
  apiKey: string;
  clientSecret?: string;
  serverPid?: number;
}): Promise<PhaseResult> {
  const frame = new Uint8Array(3200).fill(0xff); // 200 ms stereo PCMU (silence)
  // a little signal so the frame is not all zeros
  frame.set(encodeMulaw(Int16Array.from({ length: 1600 }, (_, i) => Math.round(800 * Math.sin(i / 3)))), 0);
  const clients: FakeGenesysClient[] = [];
  const openMs: number[] = [];
  const pongMs: number[] = [];
  let pingsSent = 0;
  let framesSent = 0;
  let disconnects = 0;
  const pending = new Map<FakeGenesysClient, Map<number, bigint>>();

  // ramp up in batches of 50
  for (let i = 0; i < opts.sessions; i += 50) {
    const batch = Array.from({ length: Math.min(50, opts.sessions - i) }, () => {
      const c = new FakeGenesysClient({
        url: opts.url,
        organizationId: opts.organizationId,
        apiKey: opts.apiKey,
        clientSecret: opts.clientSecret,
      });
      clients.push(c);
      const sent = new Map<number, bigint>();
      pending.set(c, sent);
      c.onMessage = (m, at) => {
        if (m.type === 'pong') {
          const t0 = sent.get(m.clientseq);
          if (t0 !== undefined) {
            pongMs.push(Number(at - t0) / 1e6);
            sent.delete(m.clientseq);
          }
        } else if (m.type === 'disconnect') disconnects += 1;
      };
      return (async () => {
        await c.opened;
        const t0 = Date.now();
        c.open({ organizationId: opts.organizationId, conversationId: randomUUID() });
        await c.waitType('opened', 15_000);
        openMs.push(Date.now() - t0);
      })().catch(() => undefined);
    });
    await Promise.all(batch);
  }
  const live = clients.filter((c) => c.messages.some((m) => m.type === 'opened'));
  const cpu0 = cpuSeconds(opts.serverPid);
  const t0 = Date.now();
  // stream: one frame per client every 200 ms (clients spread over the interval), ping every pingMs
  const timers: NodeJS.Timeout[] = [];
  live.forEach((c, k) => {
    const offset = (k * 200) / live.length;
    const pingEvery = Math.round(opts.pingMs / 200);
    const pingPhase = k % pingEvery;
    let tick = 0;
    const start = setTimeout(() => {
      timers.push(
        setInterval(() => {
          if (c.ws.readyState !== c.ws.OPEN) return;
          c.sendAudio(frame, 1600);
          framesSent += 1;
          if (tick++ % pingEvery === pingPhase) {
            const m = c.send('ping', {});
            pending.get(c)!.set(m.seq as number, process.hrtime.bigint());
            pingsSent += 1;
          }
        }, 200),
      );
    }, offset);
    timers.push(start);
  });
  await sleep(opts.seconds * 1000);
  for (const t of timers) clearInterval(t);
  await sleep(500); // last pongs
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(opts.serverPid) - cpu0;
  const rss = rssMb(opts.serverPid);
  const pongsMissing = [...pending.values()].reduce((s, m) => s + m.size, 0);
  // close sessions politely
  await Promise.all(
    live.map(async (c) => {
      c.send('close', { reason: 'end' });
      await c.waitType('closed', 15_000).catch(() => undefined);
      c.close();
    }),
  );
  for (const c of clients) c.ws.terminate();
  return {
    target: opts.target,
    sessionsRequested: opts.sessions,
    sessionsOpened: live.length,
    openMs: summary(openMs),
    pongMs: summary(pongMs),
    pingsSent,
    pongsMissing,
    framesSent,
    audioSecondsSent: +(framesSent * 0.2).toFixed(1),
    unexpectedDisconnects: disconnects,
    ...(opts.serverPid
      ? {
          serverCpuSeconds: +cpu.toFixed(2),
          serverCpuPercent: +((100 * cpu) / elapsed).toFixed(1),
          serverRssMb: rss,
        }
      : {}),
  };
}

async function speechRtf() {
  const dir = '/usr/share/pocketsphinx/test/data/librivox';
  if (!existsSync(dir))
    return { skipped: 'pocketsphinx-testdata not installed (tools/infra/install-system-deps.sh)' };
  const refs = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'transcription'), 'utf8').split('\n')) {
    const m = /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim());
    if (m) refs.set(m[2], m[1]);
  }
  const logger = pino({ level: 'silent' });
  const provider = new PocketSphinxSpeechToText({
    binary: 'pocketsphinx_continuous',
    maxStreams: 1,
    maxBacklogMs: 600_000,
    noiseFill: 330,
    flushTimeoutMs: 120_000,
    logger,
  });
  const clips = [];
  let audioMs = 0;
  let procMs = 0;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.wav'))
    .sort()) {
    const ul = join(tmpdir(), `ah-rtf-${process.pid}.ul`);
    execFileSync('sox', [join(dir, f), '-t', 'raw', '-r', '8000', '-c', '1', '-e', 'u-law', ul]);
    const pcm = mulaw.decode(new Uint8Array(readFileSync(ul)));
    const texts: string[] = [];
    const t0 = process.hrtime.bigint();
    const s = provider.open({
      language: 'en-US',
      label: f,
      onUtterance: (u) => texts.push(u.text),
      onError: (e) => {
        throw e;
      },
    })!;
    for (let i = 0; i < pcm.length; i += 1600) s.write(pcm.subarray(i, i + 1600));
    await s.end();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const dur = (pcm.length / 8000) * 1000;
    audioMs += dur;
    procMs += ms;
    clips.push({
      clip: f,
      audioSeconds: +(dur / 1000).toFixed(2),
      processingSeconds: +(ms / 1000).toFixed(2),
      rtf: +(ms / dur).toFixed(3),
      reference: refs.get(f.replace(/\.wav$/, '')),
      recognized: texts.join(' '),
    });
  }
  return {
    engine:
      'pocketsphinx_continuous (Debian pocketsphinx 0.8+5prealpha, en-us), 8 kHz μ-law → 16 kHz + noise fill',
    clips,
    totalAudioSeconds: +(audioMs / 1000).toFixed(2),
    rtf: +(procMs / audioMs).toFixed(3),
    note: 'single stream fed as fast as possible; includes process start-up (model load) per clip',
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: '500' },
      seconds: { type: 'string', default: '60' },
      'ping-ms': { type: 'string', default: '5000' },
      out: { type: 'string', default: join(ROOT, 'docs', 'bench', 'audiohook-capacity.json') },
      'skip-rtf': { type: 'boolean', default: false },
    },
  });
  const sessions = Number(values.sessions);
  const seconds = Number(values.seconds);
  const pingMs = Number(values['ping-ms']);
  const children: ChildProcess[] = [];
  const world = await createTestWorld('hub_bench');
  try {
    const tenant = await seedAudioHookTenant(world, { tenantId: 'bench-voice' });

    // floor: raw ws echo
    const echoPort = await freePort();
    const echo = spawn(process.execPath, ['-e', ECHO_SERVER, String(echoPort)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: ROOT,
    });
    children.push(echo);
    await new Promise<void>((resolve) => echo.stdout!.once('data', () => resolve()));
    console.log(`floor: ${sessions} clients → raw ws echo`);
    const floor = await runPhase({
      target: 'ws echo (floor)',
      url: `ws://127.0.0.1:${echoPort}/`,
      sessions,
      seconds,
      pingMs,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      serverPid: echo.pid,
    });
    console.log(JSON.stringify(floor));
    echo.kill('SIGTERM');

    // connector-audiohook, STT off
    const port = await freePort();
    const svc = spawn(
      process.execPath,
      ['--require', '@swc-node/register', 'apps/connector-audiohook/src/main.ts'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          ...world.env,
          PORT: String(port),
          LOG_LEVEL: 'warn',
          AUDIOHOOK_STT: 'none',
          AUDIOHOOK_MAX_SESSIONS: String(sessions + 100),
        },
      },
    );
    children.push(svc);
    await waitHttp(`http://127.0.0.1:${port}/readyz`);
    console.log(`connector-audiohook: ${sessions} sessions, ${seconds} s`);
    const service = await runPhase({
      target: 'connector-audiohook (STT none)',
      url: `ws://127.0.0.1:${port}/audiohook/ws`,
      sessions,
      seconds,
      pingMs,
      organizationId: tenant.organizationId,
      apiKey: tenant.apiKey,
      clientSecret: tenant.clientSecret,
      serverPid: svc.pid,
    });
    // server-side view: time from receiving a ping to sending its pong (excludes network and client)
    const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const bucket = (le: string) =>
      Number(
        new RegExp(`audiohook_ping_handling_seconds_bucket\\{[^}]*le="${le}"[^}]*\\} (\\d+)`).exec(
          metricsText,
        )?.[1] ?? NaN,
      );
    const serverPingHandling = {
      count: Number(/audiohook_ping_handling_seconds_count\{[^}]*\} (\d+)/.exec(metricsText)?.[1] ?? NaN),
      within1ms: bucket('0.001'),
      within10ms: bucket('0.01'),
      within100ms: bucket('0.1'),
    };
    const gauge = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(metricsText)?.[1] ?? NaN);
    const serverEventLoop = {
      lagP99Ms: +(gauge('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(2),
      lagMaxMs: +(gauge('nodejs_eventloop_lag_max_seconds') * 1000).toFixed(2),
      gcSeconds: +[...metricsText.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm)]
        .reduce((sum, m) => sum + Number(m[1]), 0)
        .toFixed(3),
    };
    Object.assign(service, { serverPingHandling, serverEventLoop });
    console.log(JSON.stringify(service));
    svc.kill('SIGTERM');
    await new Promise((r) => svc.once('exit', r));

    const rtf = values['skip-rtf'] ? { skipped: '--skip-rtf' } : await speechRtf();
    console.log(JSON.stringify(rtf));
    const result = {
      benchmark: 'audiohook-capacity',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((x) => +x.toFixed(2)) },
      settings: {
        sessions,
        secondsPerPhase: seconds,
        pingIntervalMs: pingMs,
        frame: '200 ms stereo PCMU (3200 bytes)',
      },
      floor,
      service,
      speech: rtf,
    };
    mkdirSync(dirname(values.out!), { recursive: true });
    // formatted like the repository's other files (nx format:check)
    const prettierConfig = (await prettier.resolveConfig(values.out!)) ?? {};
    writeFileSync(
      values.out!,
      await prettier.format(JSON.stringify(result), { ...prettierConfig, filepath: values.out! }),
    );
    console.log(`wrote ${values.out}`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await world.drop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
