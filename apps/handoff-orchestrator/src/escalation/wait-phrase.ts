import { toWords } from 'number-to-words';

/**
 * An estimated wait as words for a chat line ("six minutes"), from milliseconds:
 * - under 30 s → `less than a minute`;
 * - under 59.5 min → whole minutes, rounded (`one minute`, `six minutes`, `twenty-one minutes`);
 * - else hours rounded to the nearest half (`about one hour`, `about one and a half hours`, `about two hours`).
 * Numbers are spelled by the `number-to-words` library (English).
 * @returns null when `ms` is null (no recent pickups to estimate from)
 */
export function waitPhrase(ms: number | null): string | null {
  if (ms === null) return null;
  if (ms < 30_000) return 'less than a minute';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${toWords(minutes)} ${minutes === 1 ? 'minute' : 'minutes'}`;
  const halfHours = Math.round(ms / 1_800_000);
  const hours = Math.floor(halfHours / 2);
  const half = halfHours % 2 === 1;
  if (hours === 1 && !half) return 'about one hour';
  return `about ${toWords(hours)}${half ? ' and a half' : ''} hours`;
}
