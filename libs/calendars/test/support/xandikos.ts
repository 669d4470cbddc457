import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real CalDAV server (Debian's `xandikos`, tools/infra/install-system-deps.sh) on a free port with a temp dir. */
export interface XandikosServer {
  /** The default calendar collection created by `--defaults`: `http://127.0.0.1:<port>/user/calendars/calendar/`. */
  calendarUrl: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
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
 * Starts `xandikos --defaults -d <tmp> -l 127.0.0.1 -p <port>` and waits (≤ 30 s) until the calendar answers a
 * PROPFIND. No authentication (xandikos has none; a reverse proxy adds it in production).
 * @throws when the binary is missing or the server does not come up
 */
export async function startXandikos(): Promise<XandikosServer> {
  const dir = mkdtempSync(join(tmpdir(), 'xandikos-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'xandikos',
    ['--defaults', '-d', dir, '-l', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const calendarUrl = `http://127.0.0.1:${port}/user/calendars/calendar/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`xandikos exited ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(calendarUrl, { method: 'PROPFIND', headers: { depth: '0' } });
      if (res.status === 207) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`xandikos did not come up: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    calendarUrl,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
