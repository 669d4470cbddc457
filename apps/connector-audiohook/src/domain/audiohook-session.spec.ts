import { AudioHookSession } from './audiohook-session';
import type { SelectedMedium } from './protocol.schema';

const SID = 'e160e428-53e2-487c-977d-96989bf5c99d';
const PCMU: SelectedMedium = {
  type: 'audio',
  format: 'PCMU',
  channels: ['external', 'internal'],
  rate: 8000,
};

function msg(
  seq: number,
  type: string,
  parameters: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    version: '2',
    id: SID,
    type,
    seq,
    serverseq: 0,
    position: 'PT0S',
    parameters,
    ...extra,
  });
}
const openParams = (conversationId = 'a1b2c3d4-0000-4000-8000-000000000001') => ({
  organizationId: 'd7934305-0972-4844-938e-9060eef73d05',
  conversationId,
  participant: {
    id: '883efee8-3d6c-4537-b500-6d7ca4b92fa0',
    ani: '+15555551234',
    aniName: 'John',
    dnis: '+18005556789',
  },
  media: [PCMU],
  language: 'en-US',
});

function opened(now?: () => number): AudioHookSession {
  const s = new AudioHookSession(SID, now);
  expect(s.receiveText(msg(1, 'open', openParams())).kind).toBe('open');
  s.accept(PCMU);
  return s;
}

describe('AudioHookSession', () => {
  it('answers open with opened (seq 1, clientseq 1, exactly the selected medium)', () => {
    const s = new AudioHookSession(SID);
    const step = s.receiveText(msg(1, 'open', openParams()));
    expect(step).toMatchObject({ kind: 'open', probe: false });
    expect(s.accept(PCMU)).toEqual({
      version: '2',
      id: SID,
      type: 'opened',
      seq: 1,
      clientseq: 1,
      parameters: { startPaused: false, media: [PCMU] },
    });
    expect(s.state).toBe('active');
  });

  it('adds supportedLanguages to opened only when given (open asked with supportedLanguages: true)', () => {
    const s = new AudioHookSession(SID);
    s.receiveText(msg(1, 'open', { ...openParams(), supportedLanguages: true }));
    expect(s.accept(PCMU, { supportedLanguages: ['en-US'] }).parameters).toEqual({
      startPaused: false,
      media: [PCMU],
      supportedLanguages: ['en-US'],
    });
    const t = new AudioHookSession(SID);
    t.receiveText(msg(1, 'open', openParams()));
    expect(t.accept(PCMU).parameters).not.toHaveProperty('supportedLanguages');
  });

  it('recognizes a connection probe by its nil conversation id', () => {
    const s = new AudioHookSession(SID);
    expect(s.receiveText(msg(1, 'open', openParams('00000000-0000-0000-0000-000000000000')))).toMatchObject({
      kind: 'open',
      probe: true,
    });
  });

  it('answers ping with pong echoing the client seq, and tracks position and rtt', () => {
    const s = opened();
    const step = s.receiveText(msg(2, 'ping', { rtt: 'PT0.045S' }, { serverseq: 1, position: 'PT3.2S' }));
    expect(step).toMatchObject({ kind: 'ping', rttMs: 45, reply: { type: 'pong', seq: 2, clientseq: 2 } });
    expect(s.positionMs).toBe(3200);
  });

  it('disconnects with reason error on a sequence gap, a repeated seq or a serverseq from the future', () => {
    const gap = opened();
    expect(gap.receiveText(msg(3, 'ping'))).toMatchObject({
      kind: 'violation',
      reply: { type: 'disconnect', parameters: { reason: 'error' } },
    });
    expect(gap.state).toBe('disconnecting');
    const repeat = opened();
    expect(repeat.receiveText(msg(1, 'ping')).kind).toBe('violation');
    const future = opened();
    expect(future.receiveText(msg(2, 'ping', {}, { serverseq: 7 })).kind).toBe('violation');
  });

  it('rejects malformed messages naming the problem', () => {
    const s = new AudioHookSession(SID);
    const bad = s.receiveText(
      JSON.stringify({
        version: '1',
        id: SID,
        type: 'open',
        seq: 1,
        serverseq: 0,
        position: 'PT0S',
        parameters: {},
      }),
    );
    expect(bad).toMatchObject({ kind: 'violation' });
    expect((bad as { info: string }).info).toMatch(/version/);
    expect(new AudioHookSession(SID).receiveText('{nope').kind).toBe('violation');
    const noMedia = new AudioHookSession(SID).receiveText(msg(1, 'open', { ...openParams(), media: 'x' }));
    expect((noMedia as { info: string }).info).toMatch(/media/);
  });

  it('rejects a message for another session id', () => {
    const s = opened();
    expect(s.receiveText(msg(2, 'ping', {}, { id: '11111111-2222-4333-8444-555555555555' })).kind).toBe(
      'violation',
    );
  });

  it('requires open before other messages and before audio', () => {
    const s = new AudioHookSession(SID);
    expect(s.receiveAudio(3200).kind).toBe('violation');
    const t = new AudioHookSession(SID);
    expect(t.receiveText(msg(1, 'paused')).kind).toBe('violation');
  });

  it('checks audio frames are whole sample frames and ignores audio while paused', () => {
    const s = opened();
    expect(s.receiveAudio(3200)).toEqual({ kind: 'audio' });
    expect(s.receiveText(msg(2, 'paused'))).toMatchObject({ kind: 'paused' });
    expect(s.receiveAudio(3200).kind).toBe('ignored');
    expect(s.receiveText(msg(3, 'resumed', { start: 'PT0.4S', discarded: 'PT2S' }))).toEqual({
      kind: 'resumed',
      startMs: 400,
      discardedMs: 2000,
    });
    expect(s.receiveAudio(3201).kind).toBe('violation');
  });

  it('close → closing, closed after flush; then nothing more', () => {
    const s = opened();
    expect(s.receiveText(msg(2, 'close', { reason: 'end' }))).toMatchObject({ kind: 'close', reason: 'end' });
    expect(s.event([])).not.toBeNull(); // transcripts may still go out while closing
    expect(s.closed()).toMatchObject({ type: 'closed', seq: 3, clientseq: 2 });
    expect(s.state).toBe('closed');
    expect(s.receiveText(msg(3, 'ping')).kind).toBe('ignored');
  });

  it('after a server disconnect accepts the client close but ignores other messages', () => {
    const s = opened();
    expect(s.disconnect('completed', 'shutdown')).toMatchObject({
      parameters: { reason: 'completed', info: 'shutdown' },
    });
    expect(s.disconnect('error')).toBeNull();
    expect(s.receiveText(msg(2, 'update', { language: 'de-DE' })).kind).toBe('ignored');
    expect(s.receiveText(msg(3, 'close', { reason: 'disconnect' })).kind).toBe('close');
    expect(s.closed()?.type).toBe('closed');
  });

  it("parses a client 'error' (code, message, retryAfter) without changing the session", () => {
    const s = opened();
    const step = s.receiveText(
      msg(2, 'error', { code: 500, message: 'Internal client error' }, { serverseq: 1, position: 'PT4S' }),
    );
    expect(step).toEqual({ kind: 'client_error', code: 500, message: 'Internal client error' });
    expect(s.state).toBe('active');
    expect(s.positionMs).toBe(4000);
    // the error took its place in the sequence: the next reply echoes it
    expect(s.receiveText(msg(3, 'ping'))).toMatchObject({ kind: 'ping', reply: { seq: 2, clientseq: 3 } });
    // a client that cannot go on closes; the close transaction works as usual
    expect(s.receiveText(msg(4, 'close', { reason: 'error' }))).toMatchObject({
      kind: 'close',
      reason: 'error',
    });
    expect(s.closed()).toMatchObject({ type: 'closed', clientseq: 4 });
  });

  it("accepts a client 'error' before opened (e.g. 408 open timeout) and rejects a malformed one", () => {
    const s = new AudioHookSession(SID);
    expect(s.receiveText(msg(1, 'open', openParams())).kind).toBe('open');
    expect(
      s.receiveText(msg(2, 'error', { code: 408, message: 'Timeout waiting for opened' })),
    ).toMatchObject({
      kind: 'client_error',
      code: 408,
    });
    expect(s.state).toBe('awaiting_open');
    const bad = opened().receiveText(msg(2, 'error', { message: 'no code' }));
    expect(bad).toMatchObject({ kind: 'violation', reply: { type: 'disconnect' } });
    expect((bad as { info: string }).info).toMatch(/code/);
  });

  it("withholds event messages for a client 429's retryAfter, never pong", () => {
    let now = 1_000_000;
    const s = opened(() => now);
    expect(s.event([])).not.toBeNull();
    expect(
      s.receiveText(msg(2, 'error', { code: 429, message: 'Too many messages', retryAfter: 'PT1.5S' })),
    ).toEqual({ kind: 'client_error', code: 429, message: 'Too many messages', retryAfterMs: 1500 });
    expect(s.event([])).toBeNull();
    expect(s.receiveText(msg(3, 'ping'))).toMatchObject({ kind: 'ping', reply: { type: 'pong' } });
    now += 1499;
    expect(s.event([])).toBeNull();
    now += 1;
    expect(s.event([])).toMatchObject({ type: 'event' });
  });

  it('builds server-initiated pause/resume only while streaming', () => {
    const s = new AudioHookSession(SID);
    expect(s.request('pause')).toBeNull();
    const a = opened();
    expect(a.request('pause')).toMatchObject({ type: 'pause', seq: 2 });
    expect(a.request('resume')).toMatchObject({ type: 'resume', seq: 3 });
  });
});
