/**
 * Detects double assignments from what agents' sockets receive: a work item `assigned` to a second
 * agent while the first still holds it (no `unassigned` for the first, e.g. after a transfer). An
 * `unassigned` that arrives after the next `assigned` (two sockets, no common order) clears the
 * suspicion, so only real overlaps remain at the end.
 */
export class AssignmentLedger {
  private readonly holders = new Map<string, Set<string>>();
  private readonly suspicious = new Map<string, Set<string>>();

  assigned(workItemId: string, agentId: string): void {
    const h = this.holders.get(workItemId) ?? new Set<string>();
    for (const other of h) {
      if (other === agentId) continue;
      const s = this.suspicious.get(workItemId) ?? new Set<string>();
      s.add(other);
      this.suspicious.set(workItemId, s);
    }
    h.add(agentId);
    this.holders.set(workItemId, h);
  }

  unassigned(workItemId: string, agentId: string): void {
    this.holders.get(workItemId)?.delete(agentId);
    const s = this.suspicious.get(workItemId);
    if (s) {
      s.delete(agentId);
      if (!s.size) this.suspicious.delete(workItemId);
    }
  }

  /** Work items held by two agents at once (unresolved). */
  get doubleAssignments(): number {
    return this.suspicious.size;
  }
}
