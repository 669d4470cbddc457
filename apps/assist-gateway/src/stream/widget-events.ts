import type { Socket } from 'socket.io';
import type { SuggestionView, WidgetProvider } from '../domain/widget-claims';
import type { WidgetSession } from './usecases/authenticate-widget.usecase';

/** `session` event: a fresh session token for reconnecting (renewed at half-life). */
export interface WidgetSessionInfo {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  tenantId: string;
  agentId: string;
  provider: WidgetProvider;
}

/** Events the gateway sends to widgets (clients send none). */
export interface WidgetServerEvents {
  session: (p: WidgetSessionInfo) => void;
  interaction: (p: { interactionId: string | null }) => void;
  'suggestions.snapshot': (p: { interactionId: string; suggestions: SuggestionView[] }) => void;
  suggestion: (p: SuggestionView) => void;
}

/** Data kept on an authenticated socket. */
export interface WidgetSocketData {
  session: WidgetSession;
  /** Room currently joined (`t:<tenant>:i:<interactionId>`), if any. */
  room?: string;
}

export type WidgetSocket = Socket<
  Record<string, never>,
  WidgetServerEvents,
  Record<string, never>,
  WidgetSocketData
>;
