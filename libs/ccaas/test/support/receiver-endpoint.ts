import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  WebhookRejectedError,
  type TargetEvent,
  type TargetIntegration,
  type WebhookReceiver,
} from '../../src/core/target';

/** What {@link ReceiverEndpoint} recorded for one delivery. */
export interface ReceivedDelivery {
  status: number;
  events: { externalContactId: string; eventId: string; event: TargetEvent }[];
  rejected?: string;
}

/**
 * A stand-in for the orchestrator's `POST /v1/ccaas/webhooks/{integrationId}` route in vendor tests: hands the raw
 * body and headers to the receiver, answers 200 with the events, 401 on {@link WebhookRejectedError}, 503 on any
 * other error (the vendor retries), and keeps an idempotent log of events by `eventId` (what the orchestrator's
 * sink does).
 */
export class ReceiverEndpoint<C, S> {
  readonly deliveries: ReceivedDelivery[] = [];
  /** Events accepted, first delivery per `eventId` only (duplicates dropped). */
  readonly events: { externalContactId: string; eventId: string; event: TargetEvent }[] = [];
  private readonly seen = new Set<string>();
  private server?: Server;

  constructor(
    private readonly receiver: WebhookReceiver<C, S>,
    private readonly integration: () => TargetIntegration<C, S>,
  ) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.receiver
          .verifyAndParse(Buffer.concat(chunks), req.headers, this.integration())
          .then((events) => {
            for (const e of events) {
              if (this.seen.has(e.eventId)) continue;
              this.seen.add(e.eventId);
              this.events.push(e);
            }
            this.deliveries.push({ status: 200, events });
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ events: events.length }));
          })
          .catch((e: unknown) => {
            const rejected = e instanceof WebhookRejectedError;
            this.deliveries.push({
              status: rejected ? 401 : 503,
              events: [],
              rejected: rejected ? e.reason : String(e),
            });
            res.writeHead(rejected ? 401 : 503).end();
          });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('not listening');
    return `http://127.0.0.1:${a.port}/v1/ccaas/webhooks/test`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
