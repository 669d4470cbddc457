import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { formatIssues } from '@hub/contracts';
import { OutboundHttp, parseIntegration, pinnedLookup, type IntegrationConfig } from '@hub/integrations';
import { LOGGER } from '@hub/observability';
import { ZodError } from 'zod';
import type { Connector8x8Config } from '../config';
import { buildReaderUrl } from '../domain/reader-url';
import type { Connector8x8Metrics } from '../metrics';
import { CONNECTOR_CONFIG, CONNECTOR_METRICS } from '../tokens';
import { IntegrationRepository, type StoredIntegration } from './integration.repository';
import { PulsarReader, type ReaderFailure, type ReaderState } from './pulsar-reader';
import { StreamRepository, type StreamRef } from './stream.repository';
import { ProcessMessageUseCase } from './usecases/process-message.usecase';

/** Status of one integration's reader (GET /v1/readers). */
export interface ReaderStatus {
  integrationId: string;
  tenantId: string;
  eightByEightTenant: string;
  state: ReaderState;
  connections: number;
  lastFailure: { reason: ReaderFailure; detail: string; at: string } | null;
}

interface RunningReader {
  ref: StreamRef;
  fingerprint: string;
  reader: PulsarReader;
  status: ReaderStatus;
}

/**
 * Runs one {@link PulsarReader} per enabled `eightbyeight` integration. The integrations table is
 * read at start and then every `EIGHTX8_RELOAD_INTERVAL_MS`: new or re-enabled integrations get a
 * reader, removed or disabled ones are stopped, and changed ones (config, secrets or `updated_at`)
 * are restarted — each (re)connection resumes after the stored cursor. Readers are stopped before
 * the application shuts down (in-flight message finished, socket closed with 1000).
 */
@Injectable()
export class ReaderSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly readers = new Map<string, RunningReader>();
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly integrations: IntegrationRepository,
    private readonly stream: StreamRepository,
    private readonly processMessage: ProcessMessageUseCase,
    @Inject(CONNECTOR_CONFIG) private readonly config: Connector8x8Config,
    @Inject(CONNECTOR_METRICS) private readonly metrics: Connector8x8Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly outbound: OutboundHttp,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.reloading;
    await Promise.allSettled([...this.readers.values()].map((r) => r.reader.stop()));
    this.readers.clear();
  }

  /** Current readers and their connection state. */
  status(): ReaderStatus[] {
    return [...this.readers.values()].map((r) => ({ ...r.status, state: r.reader.currentState }));
  }

  /** Re-reads the integrations table now (also called on the reload timer). */
  reload(): Promise<void> {
    if (!this.reloading) {
      this.reloading = this.doReload()
        .catch((e) => this.logger.error({ err: (e as Error).message }, 'reloading 8x8 integrations failed'))
        .finally(() => (this.reloading = undefined));
    }
    return this.reloading;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.reload().finally(() => this.schedule());
    }, this.config.EIGHTX8_RELOAD_INTERVAL_MS);
  }

  private async doReload(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.integrations.listEnabled((integrationId, tenantId, e) =>
      this.logger.error(
        { integrationId, tenantId, detail: e.message },
        'invalid 8x8 integration; not starting a reader',
      ),
    );
    const wanted = new Map<string, StoredIntegration>(rows.map((r) => [r.id, r]));
    for (const [id, running] of this.readers) {
      const row = wanted.get(id);
      if (!row || fingerprint(row) !== running.fingerprint) {
        this.logger.info(
          { integrationId: id, tenantId: running.ref.tenantId },
          row ? 'restarting 8x8 reader (integration changed)' : 'stopping 8x8 reader',
        );
        this.readers.delete(id);
        this.metrics.connected.remove({ tenant: running.ref.tenantId, integration: id });
        await running.reader.stop();
      }
    }
    for (const row of rows) {
      if (this.readers.has(row.id) || this.stopped) continue;
      let parsed: { config: IntegrationConfig<'eightbyeight'>; secrets: { apiKey: string } };
      try {
        parsed = parseIntegration('eightbyeight', row.config, row.secrets);
      } catch (e) {
        const detail = e instanceof ZodError ? formatIssues(e.issues) : (e as Error).message;
        this.logger.error(
          { integrationId: row.id, tenantId: row.tenantId, detail },
          'invalid 8x8 integration; not starting a reader',
        );
        continue;
      }
      this.startReader(row, parsed.config, parsed.secrets.apiKey);
    }
  }

  private startReader(
    row: StoredIntegration,
    config: IntegrationConfig<'eightbyeight'>,
    apiKey: string,
  ): void {
    const ref: StreamRef = { tenantId: row.tenantId, integrationId: row.id };
    const labels = { tenant: ref.tenantId, integration: ref.integrationId };
    const status: ReaderStatus = {
      integrationId: row.id,
      tenantId: row.tenantId,
      eightByEightTenant: config.eightByEightTenant,
      state: 'idle',
      connections: 0,
      lastFailure: null,
    };
    const log = this.logger.child({ tenantId: ref.tenantId, integrationId: ref.integrationId });
    const reader = new PulsarReader({
      url: async () => {
        const cursor = await this.stream.cursor(ref);
        return buildReaderUrl(config, cursor ? { after: cursor } : this.config.EIGHTX8_INITIAL_POSITION);
      },
      apiKey,
      pin: async (url) => pinnedLookup((await this.outbound.vet(url)).addresses),
      handshakeTimeoutMs: this.config.EIGHTX8_HANDSHAKE_TIMEOUT_MS,
      backoffInitialMs: this.config.EIGHTX8_BACKOFF_INITIAL_MS,
      backoffMaxMs: this.config.EIGHTX8_BACKOFF_MAX_MS,
      authBackoffMs: this.config.EIGHTX8_AUTH_BACKOFF_MS,
      logger: log,
      handle: async (raw) => (await this.processMessage.execute(ref, raw)).ackId,
      onConnected: () => {
        status.connections += 1;
        this.metrics.connections.inc({ tenant: ref.tenantId });
        this.metrics.connected.set(labels, 1);
        log.info({ connections: status.connections }, '8x8 event stream connected');
      },
      onFailure: (reason, detail) => {
        status.lastFailure = { reason, detail, at: new Date().toISOString() };
        this.metrics.connectionFailures.inc({ tenant: ref.tenantId, reason });
        this.metrics.connected.set(labels, 0);
      },
    });
    this.readers.set(row.id, { ref, fingerprint: fingerprint(row), reader, status });
    reader.start();
  }
}

function fingerprint(row: StoredIntegration): string {
  return JSON.stringify([row.updatedAt.toISOString(), row.config, row.secrets]);
}
