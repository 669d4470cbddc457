import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { QueueModel, WorkItemModel } from '@hub/persistence';
import { freeTypes, nextItemForAgent, rankAgents, type WorkItemType } from '../domain/agent-selection';
import { RoutingRepository } from './routing.repository';
import { agentView, type RoutingTx } from './routing-tx';

/** What happened to a work item offered around. */
export type DispatchOutcome = 'offered' | 'assigned' | 'waiting';

/**
 * Matches work items and agents inside a routing transaction. Callers hold the queue locks
 * (lock step 1) for every queue involved and the work item's row lock; agent capacity is taken
 * with the atomic conditional UPDATE of {@link RoutingRepository.claimSlot}.
 */
@Injectable()
export class Dispatcher {
  constructor(private readonly repo: RoutingRepository) {}

  /**
   * Offers a waiting work item to the longest idle eligible agent of its queue, or assigns it at
   * once if that agent has auto-accept. No eligible agent → the item stays waiting.
   * @param item    the locked work item, status `waiting`, in `queue`
   * @param queue   its (locked) queue
   * @param exclude agent ids not to offer it to (e.g. the agent who just transferred it)
   */
  async dispatchItem(
    rt: RoutingTx,
    item: WorkItemModel,
    queue: QueueModel,
    exclude: string[] = [],
  ): Promise<DispatchOutcome> {
    const candidates = await this.repo.candidateAgents(rt.db, rt.tenantId, queue.id, item.id);
    const ranked = rankAgents(candidates, item.type as WorkItemType, new Set(exclude));
    for (const agent of ranked) {
      const claimed = await this.repo.claimSlot(rt.db, rt.tenantId, agent.id, item.type as WorkItemType);
      if (!claimed) continue; // took its last slot in another queue meanwhile: next agent
      return this.offerOrAssign(rt, item, queue, claimed.id, claimed.autoAccept);
    }
    return 'waiting';
  }

  /**
   * Fills an agent's free slots with waiting work items of its queues, best first (waiting order),
   * until it is full or nothing fits.
   * @param lockedQueues queues locked by the caller; only items in the agent's queues among them are considered
   * @param excludeItemIds items not to give it (e.g. the one it just declined)
   * @returns number of items offered or assigned to the agent
   */
  async fillAgent(
    rt: RoutingTx,
    agentId: string,
    lockedQueues: Map<string, QueueModel>,
    excludeItemIds: string[] = [],
  ): Promise<number> {
    let given = 0;
    for (let guard = 0; guard < 100; guard++) {
      // The agent's snapshot and the waiting items that fit its free slots, in one round trip.
      const { agent, items } = await this.repo.agentAndWaitingItems(rt.db, {
        tenantId: rt.tenantId,
        agentId,
        queueIds: [...lockedQueues.keys()],
        excludeItemIds,
      });
      if (!agent || agent.presence !== 'online' || !freeTypes(agent).length) break;
      const pick = nextItemForAgent(items, agent);
      if (!pick) break;
      const item = await this.repo.lockItem(rt.db, rt.tenantId, pick.id);
      const queue = item?.queueId ? lockedQueues.get(item.queueId) : undefined;
      if (!item || item.status !== 'waiting' || !queue) {
        excludeItemIds = [...excludeItemIds, pick.id];
        continue;
      }
      const claimed = await this.repo.claimSlot(rt.db, rt.tenantId, agentId, item.type as WorkItemType);
      if (!claimed) continue; // capacity taken concurrently: re-read the agent
      await this.offerOrAssign(rt, item, queue, claimed.id, claimed.autoAccept);
      given++;
    }
    return given;
  }

  /**
   * Offers (or assigns) many new, untargeted waiting work items of one tenant at once — the batch form of
   * {@link dispatchItem} for `create`: the online members of their queues are read in one statement,
   * each item (in the given order) is matched in memory to the longest idle agent with a free slot
   * (the agent's snapshot load and idle time move on with every match, so a burst spreads round-robin
   * exactly like one item after the other), the slots are taken in one statement
   * ({@link RoutingRepository.claimSlots}: all of an agent's matches or none — the capacity check is
   * the database's) and the offers inserted in one statement. Items whose agent could not be claimed
   * (full or away meanwhile, e.g. through another queue) and items of auto-accept agents go through
   * {@link dispatchItem} / the single-item assignment.
   * @param entries each locked, waiting item with its (locked) queue and its command's RoutingTx
   * @returns the outcome per item id
   */
  async dispatchNewItems(
    entries: { rt: RoutingTx; item: WorkItemModel; queue: QueueModel }[],
  ): Promise<Map<string, DispatchOutcome>> {
    const out = new Map<string, DispatchOutcome>();
    if (!entries.length) return out;
    const db = entries[0].rt.db;
    const tenantId = entries[0].rt.tenantId;
    const candidates = await this.repo.queueCandidates(db, tenantId, [
      ...new Set(entries.map((e) => e.queue.id)),
    ]);
    let tick = Date.now();
    const matched: { entry: (typeof entries)[number]; agentId: string }[] = [];
    const counts = new Map<string, { agentId: string; chat: number; call: number }>();
    const unmatched: typeof entries = [];
    for (const entry of entries) {
      const type = entry.item.type as WorkItemType;
      const [agent] = rankAgents(candidates.get(entry.queue.id) ?? [], type);
      if (!agent) {
        unmatched.push(entry);
        continue;
      }
      agent.load[type] += 1;
      agent.idleSince = new Date(Math.max(tick++, agent.idleSince.getTime() + 1));
      const c = counts.get(agent.id) ?? { agentId: agent.id, chat: 0, call: 0 };
      c[type] += 1;
      counts.set(agent.id, c);
      matched.push({ entry, agentId: agent.id });
    }
    const claimed = await this.repo.claimSlots(db, tenantId, [...counts.values()]);
    const offers: Parameters<RoutingRepository['insertOffers']>[2] = [];
    const pending: { entry: (typeof entries)[number]; agentId: string; offerId: string; eventId: string }[] =
      [];
    const retry: typeof entries = [];
    for (const m of matched) {
      const agent = claimed.get(m.agentId);
      if (!agent) {
        retry.push(m.entry);
        continue;
      }
      if (agent.autoAccept) {
        out.set(
          m.entry.item.id,
          await this.offerOrAssign(m.entry.rt, m.entry.item, m.entry.queue, agent.id, true),
        );
        continue;
      }
      const offerId = randomUUID();
      const eventId = randomUUID();
      offers.push({
        id: offerId,
        workItemId: m.entry.item.id,
        agentId: agent.id,
        queueId: m.entry.queue.id,
        eventId,
        timeoutSeconds: m.entry.queue.offerTimeoutSeconds,
      });
      pending.push({ entry: m.entry, agentId: agent.id, offerId, eventId });
    }
    const expiries = await this.repo.insertOffers(db, tenantId, offers);
    for (const p of pending) {
      const expiresAt = expiries.get(p.entry.item.id);
      if (!expiresAt) throw new Error(`offer of work item ${p.entry.item.id} was not stored`);
      this.announceOffer(p.entry.rt, p.entry.item, p.entry.queue, p.agentId, p.offerId, p.eventId, expiresAt);
      out.set(p.entry.item.id, 'offered');
    }
    // no eligible agent in memory: nobody could take it (the item waits); a failed claim: ask again
    for (const e of unmatched) out.set(e.item.id, 'waiting');
    for (const e of retry) out.set(e.item.id, await this.dispatchItem(e.rt, e.item, e.queue));
    return out;
  }

  /** The events of a new live offer (work item event, agent channel message, expiry timer). */
  private announceOffer(
    rt: RoutingTx,
    item: WorkItemModel,
    queue: QueueModel,
    agentId: string,
    offerId: string,
    eventId: string,
    expiresAt: Date,
  ): void {
    const offered = { ...item, status: 'offered' };
    rt.itemEvent(offered, { event: 'offered', offerId, agentId, expiresAt: expiresAt.toISOString() });
    rt.agentMessage(
      agentId,
      {
        kind: 'offer',
        offerId,
        expiresAt: expiresAt.toISOString(),
        workItem: agentView(offered, queue.name),
      },
      eventId,
    );
    rt.offersCreated.push({ offerId, expiresAt });
  }

  /** With a slot already claimed: assign (auto-accept) or create a live offer, with events. */
  private async offerOrAssign(
    rt: RoutingTx,
    item: WorkItemModel,
    queue: QueueModel,
    agentId: string,
    autoAccept: boolean,
  ): Promise<DispatchOutcome> {
    if (autoAccept) {
      const at = await this.repo.assignItem(rt.db, {
        tenantId: rt.tenantId,
        workItemId: item.id,
        agentId,
        acceptedOfferId: null,
      });
      const assigned: WorkItemModel = {
        ...item,
        status: 'assigned',
        agentId,
        assignedAt: at.assignedAt,
        updatedAt: at.updatedAt,
      };
      rt.itemEvent(assigned, { event: 'assigned', agentId, offerId: null, autoAccepted: true });
      rt.agentMessage(agentId, {
        kind: 'assigned',
        offerId: null,
        autoAccepted: true,
        workItem: agentView(assigned, queue.name),
      });
      return 'assigned';
    }
    const offerId = randomUUID();
    const eventId = randomUUID();
    const { expiresAt } = await this.repo.insertOffer(rt.db, {
      id: offerId,
      tenantId: rt.tenantId,
      workItemId: item.id,
      agentId,
      queueId: queue.id,
      eventId,
      timeoutSeconds: queue.offerTimeoutSeconds,
    });
    this.announceOffer(rt, item, queue, agentId, offerId, eventId, expiresAt);
    return 'offered';
  }
}
