/** Tenant and agent addressed by a per-agent channel or Socket.IO room. */
export interface AgentAddress {
  tenantId: string;
  agentId: string;
}

/**
 * Parses a logical per-agent channel name `hub:t:<tenant>:agent:<agentId>` (see
 * `RealtimeChannels.agent` in @hub/contracts). Agent ids may contain `:`; tenant slugs cannot.
 * @returns the address, or null when the name does not match
 */
export function parseAgentChannel(channel: string, prefix = 'hub:t:'): AgentAddress | null {
  if (!channel.startsWith(prefix)) return null;
  const rest = channel.slice(prefix.length);
  const i = rest.indexOf(':agent:');
  if (i <= 0) return null;
  const tenantId = rest.slice(0, i);
  const agentId = rest.slice(i + ':agent:'.length);
  if (!agentId || tenantId.includes(':')) return null;
  return { tenantId, agentId };
}

/** Socket.IO room holding every socket of one agent (all tabs/devices on this gateway replica). */
export function agentRoom(a: AgentAddress): string {
  return `agent:${a.tenantId}:${a.agentId}`;
}
