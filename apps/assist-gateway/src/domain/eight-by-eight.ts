/**
 * Splits a logical 8x8 agent channel name `hub:t:<tenant>:8x8-agent:<aid>` (namespace already
 * removed) into tenant and agent id.
 * @returns null for any other channel name
 */
export function parseEightByEightAgentChannel(channel: string): { tenantId: string; aid: string } | null {
  const m = /^hub:t:([a-z0-9][a-z0-9-]*):8x8-agent:(.+)$/.exec(channel);
  return m ? { tenantId: m[1], aid: m[2] } : null;
}
