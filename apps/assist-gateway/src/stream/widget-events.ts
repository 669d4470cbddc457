import type { Socket } from 'socket.io';
import type { DesktopAction, DesktopActionAck } from '../domain/desktop-actions';
import type { SuggestionView, WidgetProvider } from '../domain/widget-claims';
import type { ForwardUtteranceAck } from '../forwarding/usecases/forward-utterance.usecase';
import type { SuggestionDeltaView } from './suggestion-delta-view';
import type { WidgetSession } from './usecases/authenticate-widget.usecase';

/** `session` event: a fresh session token for reconnecting (renewed at half-life). */
export interface WidgetSessionInfo {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  tenantId: string;
  agentId: string;
  provider: WidgetProvider;
  /** Desktop actions this widget may use (`message.send`, `summary.save` for Genesys; none otherwise). */
  actions: DesktopAction[];
}

/** Events the gateway sends to widgets. */
export interface WidgetServerEvents {
  session: (p: WidgetSessionInfo) => void;
  interaction: (p: { interactionId: string | null }) => void;
  'suggestions.snapshot': (p: { interactionId: string; suggestions: SuggestionView[] }) => void;
  /** A piece of an answer being generated (best-effort; replaced by the `suggestion` with its id). */
  'suggestion.delta': (p: SuggestionDeltaView) => void;
  suggestion: (p: SuggestionView) => void;
}

/**
 * Events widgets send, each with an acknowledgement: `utterance` forwards a chat line of the bound
 * interaction (payload: `ForwardedUtterance`; see ForwardUtteranceUseCase); `message.send` and
 * `summary.save` act in the vendor desktop as the agent (DesktopActionsUseCase).
 */
export interface WidgetClientEvents {
  utterance: (payload: unknown, ack: (a: ForwardUtteranceAck) => void) => void;
  /** A message to the customer, sent in the vendor desktop as the agent (`SendMessage`). */
  'message.send': (payload: unknown, ack: (a: DesktopActionAck) => void) => void;
  /** The interaction summary saved as the agent's wrap-up note (`SaveSummary`). */
  'summary.save': (payload: unknown, ack: (a: DesktopActionAck) => void) => void;
}

/** Data kept on an authenticated socket. */
export interface WidgetSocketData {
  session: WidgetSession;
  /** Room currently joined (`t:<tenant>:i:<interactionId>`), if any. */
  room?: string;
  /** Interaction the socket is bound to now (null: none yet / agent idle). Set by the gateway only. */
  interactionId?: string | null;
}

export type WidgetSocket = Socket<
  WidgetClientEvents,
  WidgetServerEvents,
  Record<string, never>,
  WidgetSocketData
>;
