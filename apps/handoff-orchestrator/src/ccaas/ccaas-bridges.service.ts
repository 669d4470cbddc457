import { ScanLoop } from '@hub/scheduling';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TargetStream } from '@hub/ccaas';
import { LOGGER } from '@hub/observability';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { ApplyTargetEventUseCase } from './apply-target-event.usecase';
import { CcaasContactRepository, type StoredContact } from './ccaas-contact.repository';
import { CcaasTargets } from './ccaas-targets';

/** Injection token of {@link BridgeOptions}. */
export const BRIDGE_OPTIONS = Symbol('BRIDGE_OPTIONS');
export interface BridgeOptions {
  /** Lease of one contact's stream, ms (renewed every third). */
  leaseMs: number;
  /** Scan for open contacts whose stream nobody holds, ms. */
  scanMs: number;
}

/** Compare-and-delete / compare-and-extend of a lease held by this replica. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Holds the vendor streams of open external contacts (Amazon Connect's participant websocket — vendors
 * with webhooks need none). Exactly one replica holds a contact's stream: a Redis lease per contact
 * (`ccaas:bridge:<handoff id>`, `SET NX PX`, renewed every `leaseMs / 3` by compare-and-extend). The
 * replica that started the contact opens it at once; every replica scans the open contacts every `scanMs`
 * (system path `hub_open_ccaas_contacts`) and takes over any stream whose lease lapsed — a crashed
 * replica's contacts resume within `leaseMs + scanMs`. A stream that ends (chat ended) releases its
 * lease; one that drops is re-opened by the next scan. Events go to the {@link ApplyTargetEventUseCase}
 * (idempotent, so a replayed event after a takeover changes nothing).
 */
@Injectable()
export class CcaasBridges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly replica = randomUUID();
  private readonly streams = new Map<string, { stream?: TargetStream; renew: NodeJS.Timeout }>();
  private readonly loop: ScanLoop;
  private stopped = false;

  constructor(
    private readonly contacts: CcaasContactRepository,
    private readonly targets: CcaasTargets,
    private readonly sink: ApplyTargetEventUseCase,
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(BRIDGE_OPTIONS) private readonly opts: BridgeOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // one scan at a time (a slow scan under load no longer overlaps the next, as setInterval let it)
    this.loop = new ScanLoop(() => this.scan(), {
      pollMs: opts.scanMs,
      unref: true,
      onError: (e) => logger.warn({ err: e.message }, 'contact-center bridge scan failed'),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    await Promise.all([...this.streams.keys()].map((id) => this.close(id)));
  }

  /** Streams this replica holds (handoff ids). */
  held(): string[] {
    return [...this.streams.keys()];
  }

  private key(handoffId: string): string {
    return `${this.bus.namespace}ccaas:bridge:${handoffId}`;
  }

  /**
   * Opens the contact's stream here if its adapter has one and no replica holds its lease. Never throws
   * (a failure is logged; the next scan tries again).
   */
  async open(c: StoredContact): Promise<void> {
    if (this.stopped || this.streams.has(c.handoffId) || c.status !== 'open') return;
    const adapter = this.targets.isExternal(c.target) ? this.targets.adapter(c.target) : undefined;
    if (!adapter?.openStream) return;
    if ((c.contact.state as { mode?: string }).mode === 'voice') return;
    const redis = this.bus.publisher;
    const key = this.key(c.handoffId);
    try {
      const got = await redis.set(key, this.replica, 'PX', this.opts.leaseMs, 'NX');
      if (got !== 'OK') return;
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'bridge lease: redis unavailable');
      return;
    }
    const renew = setInterval(
      () => {
        redis.eval(RENEW, 1, key, this.replica, String(this.opts.leaseMs)).catch(() => undefined);
      },
      Math.max(100, Math.floor(this.opts.leaseMs / 3)),
    );
    renew.unref();
    const entry: { stream?: TargetStream; renew: NodeJS.Timeout } = { renew };
    this.streams.set(c.handoffId, entry);
    try {
      const integration = await this.targets.load(c.tenantId, c.integrationId, c.target, {
        enabledOnly: false,
      });
      if (!integration) throw new Error(`integration ${c.integrationId} not found`);
      const stream = await adapter.openStream(c.contact, integration, this.sink);
      entry.stream = stream;
      this.logger.info({ handoffId: c.handoffId, target: c.target }, 'contact-center stream opened');
      stream.done.then(
        () => void this.release(c.handoffId),
        (e: Error) => {
          this.logger.warn(
            { handoffId: c.handoffId, err: e.message },
            'contact-center stream lost; the next scan re-opens it',
          );
          void this.release(c.handoffId);
        },
      );
    } catch (e) {
      this.logger.warn(
        { handoffId: c.handoffId, err: (e as Error).message },
        'contact-center stream could not be opened',
      );
      await this.release(c.handoffId);
    }
  }

  /** Closes the stream of a handoff held here (contact ended) and releases its lease. */
  async close(handoffId: string): Promise<void> {
    const entry = this.streams.get(handoffId);
    if (!entry) return;
    await entry.stream?.close().catch(() => undefined);
    await this.release(handoffId);
  }

  private async release(handoffId: string): Promise<void> {
    const entry = this.streams.get(handoffId);
    if (!entry) return;
    clearInterval(entry.renew);
    this.streams.delete(handoffId);
    await this.bus.publisher.eval(RELEASE, 1, this.key(handoffId), this.replica).catch(() => undefined);
  }

  /** Takes over open contacts whose stream nobody holds. */
  private async scan(): Promise<void> {
    if (this.stopped) return;
    try {
      for (const { tenantId, handoffId } of await this.contacts.listOpen(500)) {
        if (this.stopped) return;
        if (this.streams.has(handoffId)) continue;
        const c = await this.contacts.byHandoff(tenantId, handoffId);
        if (c) await this.open(c);
      }
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'contact-center bridge scan failed');
    }
  }
}
