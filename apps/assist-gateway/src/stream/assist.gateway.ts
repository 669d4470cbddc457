import { Inject } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import { LOGGER } from '@hub/observability';
import { DesktopActionsUseCase } from '../desktop/usecases/desktop-actions.usecase';
import type { DesktopActionAck } from '../domain/desktop-actions';
import { bindingFor } from '../domain/widget-claims';
import {
  ForwardUtteranceUseCase,
  type ForwardUtteranceAck,
} from '../forwarding/usecases/forward-utterance.usecase';
import { AuthenticateWidgetUseCase, WidgetAuthError } from './usecases/authenticate-widget.usecase';
import type { WidgetServerEvents, WidgetSocket, WidgetSocketData } from './widget-events';
import { WidgetSessionsService } from './widget-sessions.service';

/** Socket.IO namespace the widgets connect to. */
export const ASSIST_NAMESPACE = '/assist';

/**
 * Widget stream (Socket.IO namespace `/assist`). A handshake without a valid widget token is
 * refused in middleware (`connect_error` with `data.reason`); an accepted socket is bound to its
 * token's interaction room and receives:
 *  - `session` `{token, expiresAt, tenantId, agentId, provider}` (renewed at half-life; use it to reconnect),
 *  - `interaction` `{interactionId | null}` (8x8 agent-only widgets get one per switch),
 *  - `suggestions.snapshot` `{interactionId, suggestions: SuggestionView[]}` (newest first),
 *  - `suggestion` `SuggestionView` as suggestions are produced.
 * Clients send `utterance` (with ack): a chat line of the bound interaction, forwarded to
 * `hub.conversation.events.v1` ({@link ForwardUtteranceUseCase}). Tenant, agent and interaction
 * never come from the client. `message.send` / `summary.save` (with ack) act in the vendor desktop as
 * the signed-in agent ({@link DesktopActionsUseCase}).
 */
@WebSocketGateway({ namespace: ASSIST_NAMESPACE, serveClient: false })
export class AssistGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() nsp!: Namespace<Record<string, never>, WidgetServerEvents>;

  constructor(
    private readonly authenticate: AuthenticateWidgetUseCase,
    private readonly sessions: WidgetSessionsService,
    private readonly forwardUtterance: ForwardUtteranceUseCase,
    private readonly desktopActions: DesktopActionsUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  afterInit(nsp: Namespace<Record<string, never>, WidgetServerEvents>): void {
    nsp.use((socket, next) => {
      this.authenticate.execute(socket.handshake.auth).then(
        (session) => {
          (socket.data as WidgetSocketData).session = session;
          next();
        },
        (e: unknown) => {
          const reason = e instanceof WidgetAuthError ? e.reason : 'internal_error';
          const message = e instanceof WidgetAuthError ? e.message : 'authentication failed';
          this.logger.info({ reason, address: socket.handshake.address }, 'widget connection refused');
          const err = new Error(message) as Error & { data: unknown };
          err.data = { reason };
          next(err);
        },
      );
    });
  }

  async handleConnection(socket: WidgetSocket): Promise<void> {
    try {
      await this.sessions.attach(socket);
    } catch (e) {
      this.logger.warn({ err: (e as Error).message }, 'could not bind widget; disconnecting');
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: WidgetSocket): void {
    this.sessions.detach(socket);
  }

  /**
   * `utterance` `{speaker, text, messageId?, occurredAt?, language?, queue?}` → ack
   * {@link ForwardUtteranceAck}. The interaction is the token's (fixed binding) or, for an 8x8
   * agent-only widget, the one the gateway bound the socket to.
   */
  @SubscribeMessage('utterance')
  onUtterance(
    @ConnectedSocket() socket: WidgetSocket,
    @MessageBody() payload: unknown,
  ): Promise<ForwardUtteranceAck> {
    const { claims } = socket.data.session;
    const binding = bindingFor(claims);
    const interactionId =
      binding.kind === 'interaction' ? binding.interactionId : (socket.data.interactionId ?? null);
    return this.forwardUtterance.execute(claims, interactionId, payload);
  }

  /**
   * `message.send` `{text, requestId}` → ack {@link DesktopActionAck}: a message to the customer of the
   * token's conversation, sent as the agent (Genesys web messaging).
   */
  @SubscribeMessage('message.send')
  onSendMessage(
    @ConnectedSocket() socket: WidgetSocket,
    @MessageBody() payload: unknown,
  ): Promise<DesktopActionAck> {
    return this.desktopActions.sendMessage(socket.data.session.claims, payload);
  }

  /** `summary.save` `{notes, wrapupCode?, requestId}` → ack: the agent's wrap-up note (Genesys wrap-up). */
  @SubscribeMessage('summary.save')
  onSaveSummary(
    @ConnectedSocket() socket: WidgetSocket,
    @MessageBody() payload: unknown,
  ): Promise<DesktopActionAck> {
    return this.desktopActions.saveSummary(socket.data.session.claims, payload);
  }

  /** Emits to every widget in a room, on every replica (Socket.IO Redis adapter). */
  emitToRoom<E extends keyof WidgetServerEvents>(
    room: string,
    event: E,
    ...payload: Parameters<WidgetServerEvents[E]>
  ): void {
    this.nsp.to(room).emit(event, ...payload);
  }
}
