import { createHash } from 'node:crypto';

/**
 * Deterministic suggestion id for (tenant, interaction, utterance): a name-based UUID (RFC 9562
 * §5.5, version 5 layout over SHA-1), so a redelivered utterance yields the same suggestion id and
 * consumers can drop the duplicate.
 */
export function suggestionIdFor(tenantId: string, interactionId: string, utteranceId: string): string {
  const h = createHash('sha1')
    .update(`assist-suggestion\0${tenantId}\0${interactionId}\0${utteranceId}`)
    .digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
