import { ScanLoop } from './scan-loop';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits (up to 10 s) until `ok()` — the assertions below do not depend on how loaded the machine is. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await sleep(10);
  expect(ok()).toBe(true);
}

describe('ScanLoop', () => {
  it('scans at start, then every pollMs after the previous scan ended; stop waits for the running scan', async () => {
    const starts: number[] = [];
    let inFlight = 0;
    let overlap = false;
    const loop = new ScanLoop(
      async () => {
        inFlight += 1;
        overlap ||= inFlight > 1;
        starts.push(performance.now());
        await sleep(20);
        inFlight -= 1;
      },
      { pollMs: 30, onError: () => undefined },
    );
    loop.start();
    await until(() => starts.length >= 3 && inFlight === 1);
    await loop.stop();
    const count = starts.length;
    expect(inFlight).toBe(0); // stop() waited for the running scan
    expect(overlap).toBe(false);
    // each scan started ≥ 20 ms (scan) + 30 ms (poll) after the previous one
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(45);
    await sleep(100);
    expect(starts.length).toBe(count); // nothing after stop
  });

  it('uses the delay the scan returns, and kick() scans again right after a running scan', async () => {
    let scans = 0;
    const loop = new ScanLoop(
      async () => {
        scans += 1;
        await sleep(30);
        return 10_000; // "next due row in 10 s"
      },
      { pollMs: 10_000, onError: () => undefined },
    );
    loop.start();
    await until(() => scans === 1);
    loop.kick(); // during the first scan: one more right after it
    await until(() => scans === 2);
    await sleep(100);
    expect(scans).toBe(2); // then the scan's own 10 s
    loop.kick(); // idle: at once
    await until(() => scans === 3);
    await loop.stop();
    loop.kick(); // stopped: ignored
    await sleep(20);
    expect(scans).toBe(3);
  });

  it('a scan that throws is reported and the loop goes on', async () => {
    const errors: string[] = [];
    let scans = 0;
    const loop = new ScanLoop(
      async () => {
        scans += 1;
        if (scans === 1) throw new Error('database unreachable');
      },
      { pollMs: 20, onError: (e) => errors.push(e.message) },
    );
    loop.start();
    await until(() => scans > 1);
    await loop.stop();
    expect(errors).toEqual(['database unreachable']);
  });
});
