import { StreamTimeline } from './stream-timeline';

describe('StreamTimeline', () => {
  it('is the identity while every frame arrives', () => {
    const t = new StreamTimeline();
    t.advance(1600); // 200 ms at 8 kHz
    t.advance(1600);
    expect(t.receivedMs).toBe(400);
    expect(t.toStreamMs(250)).toBe(250);
    expect(t.positionMs).toBe(400);
  });

  it('shifts audio after a pause by the discarded duration (resumed {start, discarded})', () => {
    const t = new StreamTimeline();
    t.advance(8000); // 1 s sent, then paused
    t.gap(1000, 2500); // resumed: 2.5 s not sent from 1 s on
    t.advance(8000);
    expect(t.toStreamMs(500)).toBe(500); // before the pause
    expect(t.toStreamMs(1000)).toBe(3500); // first frame after the pause
    expect(t.toStreamMs(1750)).toBe(4250);
    expect(t.positionMs).toBe(4500);
  });

  it('handles a session paused from the start and several gaps', () => {
    const t = new StreamTimeline();
    t.gap(0, 2000); // server asked to pause right after opened; resumed at 2 s
    t.advance(4000);
    t.gap(2500, 100); // client discarded 100 ms (e.g. a late buffer)
    t.gap(2600, 0); // empty gap: nothing changes
    t.advance(4000);
    expect(t.toStreamMs(0)).toBe(2000);
    expect(t.toStreamMs(499)).toBe(2499);
    expect(t.toStreamMs(500)).toBe(2600);
    expect(t.toStreamMs(1000)).toBe(3100);
  });

  it('keeps the later of two gaps reported at the same point', () => {
    const t = new StreamTimeline();
    t.advance(800);
    t.gap(100, 400);
    t.gap(500, 300); // a second report before any audio: next frame at 800
    expect(t.toStreamMs(100)).toBe(800);
  });
});
