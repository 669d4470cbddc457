import type { MediaChannel, OfferedMedium, SelectedMedium } from './protocol.schema';

const FORMAT_PREFERENCE: Record<string, number> = { PCMU: 2, L16: 1 };

function isSupported(m: OfferedMedium): m is OfferedMedium & SelectedMedium {
  if (m.type !== 'audio' || m.rate !== 8000 || !(m.format in FORMAT_PREFERENCE)) return false;
  const ch = m.channels;
  if (ch.length < 1 || ch.length > 2) return false;
  if (!ch.every((c) => c === 'external' || c === 'internal')) return false;
  return new Set(ch).size === ch.length;
}

/**
 * Chooses exactly one of the media offered in `open` (AudioHook: the server answers `opened` with a
 * single medium). Preference: both channels (customer and agent) over one; PCMU over L16 (half the
 * bandwidth, same 8 kHz telephony audio); otherwise the client's order.
 *
 * @param offered `open.parameters.media`
 * @returns the selected medium (a copy with only the protocol fields), or `null` if none is supported
 */
export function selectMedium(offered: readonly OfferedMedium[]): SelectedMedium | null {
  let best: { m: SelectedMedium; score: number } | null = null;
  for (const m of offered) {
    if (!isSupported(m)) continue;
    const score = m.channels.length * 10 + FORMAT_PREFERENCE[m.format];
    if (!best || score > best.score) {
      best = {
        m: { type: 'audio', format: m.format, channels: [...m.channels] as MediaChannel[], rate: 8000 },
        score,
      };
    }
  }
  return best?.m ?? null;
}

/** Speaker of a media channel: `external` is the customer, `internal` the agent. */
export function speakerOf(channel: MediaChannel): 'customer' | 'agent' {
  return channel === 'external' ? 'customer' : 'agent';
}

/** Bytes per sample frame (all channels) of a medium: PCMU 1 byte per channel, L16 2 bytes. */
export function bytesPerFrame(m: SelectedMedium): number {
  return (m.format === 'PCMU' ? 1 : 2) * m.channels.length;
}
