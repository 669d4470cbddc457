import { bytesPerFrame, selectMedium, speakerOf } from './media-selection';
import { durationToMs, msToDuration } from './protocol.schema';

describe('selectMedium', () => {
  it('prefers both channels, then PCMU, and returns exactly one medium', () => {
    expect(
      selectMedium([
        { type: 'audio', format: 'L16', channels: ['external', 'internal'], rate: 8000 },
        { type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 },
        { type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 },
      ]),
    ).toEqual({ type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 });
    expect(
      selectMedium([{ type: 'audio', format: 'PCMU', channels: ['internal'], rate: 8000 }])?.channels,
    ).toEqual(['internal']);
  });

  it('ignores unsupported formats, rates, channel names and duplicates', () => {
    expect(
      selectMedium([
        { type: 'audio', format: 'OPUS', channels: ['external'], rate: 8000 },
        { type: 'audio', format: 'PCMU', channels: ['external'], rate: 16000 },
        { type: 'audio', format: 'PCMU', channels: ['left'], rate: 8000 },
        { type: 'audio', format: 'PCMU', channels: ['external', 'external'], rate: 8000 },
        { type: 'video', format: 'PCMU', channels: ['external'], rate: 8000 },
      ]),
    ).toBeNull();
    expect(selectMedium([])).toBeNull();
  });

  it('maps channels to speakers and computes frame sizes', () => {
    expect(speakerOf('external')).toBe('customer');
    expect(speakerOf('internal')).toBe('agent');
    expect(
      bytesPerFrame({ type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 }),
    ).toBe(2);
    expect(
      bytesPerFrame({ type: 'audio', format: 'L16', channels: ['external', 'internal'], rate: 8000 }),
    ).toBe(4);
  });
});

describe('AudioHook durations', () => {
  it('parses and formats PT<seconds>S', () => {
    expect(durationToMs('PT0S')).toBe(0);
    expect(durationToMs('PT1.25S')).toBe(1250);
    expect(durationToMs('PT120S')).toBe(120000);
    expect(() => durationToMs('1.5')).toThrow();
    expect(msToDuration(1250)).toBe('PT1.25S');
    expect(msToDuration(200)).toBe('PT0.2S');
    expect(msToDuration(0)).toBe('PT0S');
  });
});
