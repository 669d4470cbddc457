import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { LOGGER } from '@hub/observability';
import type { AudioHookConfig } from '../config';
import { ConversationEventsPublisher } from '../events/conversation-events.publisher';
import type { AudioHookMetrics } from '../metrics';
import { SpeechToTextRegistry } from '../stt/speech-to-text.registry';
import { AUDIOHOOK_CONFIG, AUDIOHOOK_METRICS } from '../tokens';
import { AudioHookConnection } from './audiohook-connection';
import { AuthenticateConnectionUseCase } from './usecases/authenticate-connection.usecase';

/**
 * The AudioHook WebSocket endpoint, attached to the service's HTTP server (`ws`, no
 * per-message compression): upgrades on `AUDIOHOOK_PATH` start authentication at once (the result
 * is awaited by `open`) and hand the socket to an {@link AudioHookConnection}. Other paths get 404,
 * upgrades beyond `AUDIOHOOK_MAX_SESSIONS` or during shutdown 503.
 *
 * Shutdown (SIGTERM → Nest `beforeApplicationShutdown`, before Kafka disconnects): new upgrades get 503
 * and every session gets `reconnect`, so the client moves it to another instance (rolling update) within
 * `AUDIOHOOK_RECONNECT_WAIT_MS`; the rest get `disconnect`; recognizers are flushed and utterances published,
 * then the sockets close.
 */
@Injectable()
export class AudioHookServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private wss?: WebSocketServer;
  private readonly connections = new Set<AudioHookConnection>();
  private accepting = true;
  private httpServer?: Server;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.handleUpgrade(req, socket, head);

  constructor(
    @Inject(AUDIOHOOK_CONFIG) private readonly config: AudioHookConfig,
    @Inject(AUDIOHOOK_METRICS) private readonly metrics: AudioHookMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticate: AuthenticateConnectionUseCase,
    private readonly stt: SpeechToTextRegistry,
    private readonly publisher: ConversationEventsPublisher,
  ) {}

  /** Open sessions. */
  get sessionCount(): number {
    return this.connections.size;
  }

  onApplicationBootstrap(): void {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const startedAt = Date.now();
    const target = req.url ?? '/';
    const path = target.split('?')[0];
    if (path !== this.config.AUDIOHOOK_PATH) return reject(socket, 404, 'Not Found');
    if (!this.accepting || this.connections.size >= this.config.AUDIOHOOK_MAX_SESSIONS) {
      return reject(socket, 503, 'Service Unavailable');
    }
    const wss = this.wss;
    if (!wss) return reject(socket, 503, 'Service Unavailable');
    const headers = { ...req.headers };
    const auth = this.authenticate.execute({ method: req.method ?? 'GET', target, headers }, startedAt);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sessionHeader = headers['audiohook-session-id'];
      const conn = new AudioHookConnection(
        ws,
        auth,
        {
          logger: this.logger,
          metrics: this.metrics,
          stt: this.stt,
          publisher: this.publisher,
          openTimeoutMs: this.config.AUDIOHOOK_OPEN_TIMEOUT_MS,
          closeGraceMs: this.config.AUDIOHOOK_CLOSE_GRACE_MS,
          reconnectWaitMs: this.config.AUDIOHOOK_RECONNECT_WAIT_MS,
          closeFlushWaitMs: this.config.AUDIOHOOK_CLOSE_FLUSH_WAIT_MS,
        },
        typeof sessionHeader === 'string' && /^[0-9a-f-]{36}$/i.test(sessionHeader)
          ? sessionHeader
          : undefined,
      );
      this.connections.add(conn);
      void conn.done.finally(() => this.connections.delete(conn));
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    const open = [...this.connections];
    if (open.length) this.logger.info({ sessions: open.length }, 'disconnecting AudioHook sessions');
    await Promise.all(open.map((c) => c.shutdown()));
    this.httpServer?.off('upgrade', this.onUpgrade);
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
