import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Presence } from '@hub/contracts';
import { LOGGER, METRICS } from '@hub/observability';
import { WorkItemCommandsPublisher } from '../agents/work-item-commands.publisher';
import type { GatewayConfig } from '../config';
import type { AgentAddress } from '../domain/agent-channel';
import { GATEWAY_CONFIG } from '../tokens';
import { PRESENCE_REGISTRY, type PresenceRegistry } from './presence-registry';

/** How long the presence recorded for an agent who went offline is kept, ms (1 day). */
export const OFFLINE_RECORD_RETENTION_MS = 86_400_000;
/** Agents swept per registry round trip. */
const SWEEP_BATCH = 200;
/** Re-announcements after a concurrent change before giving up (each one follows a real change). */
const MAX_ANNOUNCE_ROUNDS = 5;

/**
 * Presence per agent, across every connection on every gateway replica.
 *
 * - Each socket is a connection entry in the shared {@link PresenceRegistry} (Redis), refreshed every
 *   `PRESENCE_HEARTBEAT_MS` by its replica and expiring `PRESENCE_CONNECTION_TTL_MS` after the last
 *   refresh — a replica that dies (kill -9) stops refreshing, and its entries lapse.
 * - A socket that disconnects keeps its entry for `PRESENCE_OFFLINE_GRACE_MS` (reload, reconnect to
 *   another replica during a rolling restart).
 * - Every replica sweeps the registry every `PRESENCE_HEARTBEAT_MS`: an agent whose last entry lapsed is
 *   set offline (`set_presence offline` to the router) once, by whichever replica swept it first.
 * - The agent's first live connection records and announces `PRESENCE_ON_CONNECT` (unless `none`).
 * - An explicit change (`presence:set` from any tab) is recorded and announced for the agent; the router
 *   confirms it on the agent's channel, which reaches the agent's sockets on every replica.
 *
 * Announcements cannot be applied out of order: after the router's topic acknowledged a command, the
 * recorded presence is read again, and re-announced if another replica changed it meanwhile — so the
 * last command on the agent's partition is always the last recorded presence.
 * `PRESENCE_OFFLINE_GRACE_MS=0` turns tracking off (explicit changes are still sent).
 */
@Injectable()
export class AgentPresenceService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  /** This replica's id (prefix of its connection ids). */
  readonly replicaId = randomUUID();
  private readonly local = new Map<string, AgentAddress>();
  private readonly announced: Counter;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(PRESENCE_REGISTRY) private readonly registry: PresenceRegistry,
    @Inject(WorkItemCommandsPublisher) private readonly commands: WorkItemCommandsPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
  ) {
    this.announced = new Counter({
      name: 'gateway_presence_announced_total',
      help: 'set_presence commands sent by the gateway, by presence and cause (connect, explicit, sweep, reconcile)',
      labelNames: ['presence', 'cause'],
      registers: [metrics],
    });
  }

  /** Connection tracking is on (`PRESENCE_OFFLINE_GRACE_MS` > 0). */
  get tracking(): boolean {
    return this.config.PRESENCE_OFFLINE_GRACE_MS > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.tracking) return;
    this.timer = setInterval(() => void this.tick(), this.config.PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * A socket of the agent connected to this replica. Registers it synchronously (before the first
   * await), so a disconnect that follows at once is seen.
   * @throws if the registry or the command topic fails (the socket stays; the next heartbeat retries)
   */
  async connected(agent: AgentAddress, socketId: string): Promise<void> {
    if (!this.tracking || this.stopped) return;
    const id = this.connectionId(socketId);
    const addr = { tenantId: agent.tenantId, agentId: agent.agentId };
    this.local.set(id, addr);
    await this.refresh(id, addr);
  }

  /** A socket of the agent disconnected from this replica: its entry lapses after the grace period. */
  async disconnected(agent: AgentAddress, socketId: string): Promise<void> {
    const id = this.connectionId(socketId);
    if (!this.local.delete(id) || this.stopped) return;
    await this.registry.release(agent, id, this.config.PRESENCE_OFFLINE_GRACE_MS);
  }

  /**
   * An explicit presence change by the agent (any of their connections): recorded for the agent, then
   * sent to the router.
   * @throws if the registry or the command topic fails
   */
  async set(agent: AgentAddress, presence: Presence): Promise<void> {
    if (this.tracking) await this.registry.record(agent, presence);
    await this.announce(agent, presence, 'explicit');
  }

  /** One heartbeat: refreshes this replica's connections, then sweeps agents whose connections lapsed. */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    // Graceful stop: this replica's connections get the grace period to reconnect elsewhere.
    const local = [...this.local];
    this.local.clear();
    await Promise.allSettled(
      local.map(([id, a]) => this.registry.release(a, id, this.config.PRESENCE_OFFLINE_GRACE_MS)),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
  }

  private async runTick(): Promise<void> {
    const refreshes = [...this.local].map(([id, a]) =>
      this.refresh(id, a).catch((e: Error) =>
        this.logger.warn({ err: e.message, agentId: a.agentId }, 'presence heartbeat failed'),
      ),
    );
    await Promise.all(refreshes);
    try {
      await this.sweep();
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'presence sweep failed');
    }
  }

  private async sweep(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const due = await this.registry.due(SWEEP_BATCH);
      for (const agent of due) {
        if (await this.registry.sweep(agent, OFFLINE_RECORD_RETENTION_MS)) {
          this.logger.info(
            { tenantId: agent.tenantId, agentId: agent.agentId },
            'agent has no connection left: offline',
          );
          await this.announce(agent, 'offline', 'sweep').catch((e: Error) =>
            this.logger.error({ err: e.message, agentId: agent.agentId }, 'could not set presence offline'),
          );
        }
      }
      if (due.length < SWEEP_BATCH) return;
    }
  }

  private async refresh(id: string, agent: AgentAddress): Promise<void> {
    const announce = await this.registry.touch(
      agent,
      id,
      this.config.PRESENCE_CONNECTION_TTL_MS,
      this.config.PRESENCE_ON_CONNECT === 'none' ? null : this.config.PRESENCE_ON_CONNECT,
    );
    if (announce) await this.announce(agent, announce, 'connect');
  }

  /**
   * Sends `set_presence`, then re-reads the recorded presence: if another replica recorded a different
   * one while this command was in flight, this command may have landed after theirs, so the recorded
   * one is sent again (commands of one agent share a partition: the last one sent wins).
   */
  private async announce(agent: AgentAddress, presence: Presence, cause: string): Promise<void> {
    let value = presence;
    let why = cause;
    for (let round = 0; round < MAX_ANNOUNCE_ROUNDS; round++) {
      await this.commands.setPresence(agent, value);
      this.announced.inc({ presence: value, cause: why });
      if (!this.tracking) return;
      const now = await this.registry.recorded(agent);
      if (now === null || now === value) return;
      value = now;
      why = 'reconcile';
    }
    this.logger.warn({ agentId: agent.agentId }, 'presence kept changing while being announced');
  }

  private connectionId(socketId: string): string {
    return `${this.replicaId}:${socketId}`;
  }
}
