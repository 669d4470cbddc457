import type { TargetEvent } from '@hub/ccaas';
import type { HandoffFailureReason } from '@hub/contracts';
import { isFinal, type HandoffState } from '../domain/handoff-state-machine';

/** What one normalized contact-center event does to a handoff ({@link decideTargetEvent}). */
export interface TargetEventDecision {
  /** The state change (audit row); null → no change (only relays). `from === to` records a note only. */
  change: {
    from: HandoffState;
    to: HandoffState;
    reason?: HandoffFailureReason;
    detail?: string;
    note?: string;
    agentId?: string;
  } | null;
  /** Announce this status (outcome event + callback). */
  announce?: 'routed' | 'accepted' | 'failed';
  /** Relay to the bot channel (`hub.conversation.messages.v1`, outbound). */
  relay?:
    | { kind: 'text'; text: string; agent?: { id?: string; name?: string } }
    | { kind: 'typing' }
    | {
        kind: 'file';
        file: { id: string; name: string; contentType: string; sizeBytes: number; url: string };
        agent?: { id?: string; name?: string };
      }
    | { kind: 'ended' };
  /** End the platform contact (an agent joined a handoff that had already failed). */
  endContact?: boolean;
  /** The platform contact is over (mark it ended). */
  contactOver?: boolean;
}

const agentLabel = (a?: { id?: string; name?: string }) => (a?.name ?? a?.id ?? 'agent').slice(0, 200);

/**
 * The same handoff state machine as the internal path, driven by a normalized {@link TargetEvent} of an
 * external contact center:
 *
 * | event          | handoff state            | result                                                    |
 * |----------------|--------------------------|-----------------------------------------------------------|
 * | queued         | requested                | → routed (announced)                                      |
 * | accepted       | requested/routed/offered | → accepted (announced; agent = the platform agent's name)  |
 * | accepted       | failed                   | note failed → failed, and the contact is ended            |
 * | agent_message  | not failed               | relayed to the bot channel                                |
 * | agent_typing   | not failed               | relayed (typing)                                          |
 * | agent_file     | not failed               | relayed (`kind: file`, the platform's download URL)       |
 * | transferred    | accepted                 | note accepted → accepted                                  |
 * | ended          | accepted                 | note accepted → accepted, `ended` relayed, contact over   |
 * | ended          | not final                | → failed(error) "ended before an agent joined"            |
 * | failed(reason) | not final                | → failed(reason; `rejected` → `error`)                    |
 *
 * Everything else: nothing. Pure.
 */
export function decideTargetEvent(status: HandoffState, event: TargetEvent): TargetEventDecision | null {
  const final = isFinal(status);
  switch (event.kind) {
    case 'queued':
      return status === 'requested'
        ? {
            change: {
              from: status,
              to: 'routed',
              note: `queued at the platform${event.queue ? ` (${event.queue})` : ''}`,
            },
            announce: 'routed',
          }
        : null;
    case 'accepted':
      if (!final) {
        return {
          change: { from: status, to: 'accepted', agentId: agentLabel(event.agent) },
          announce: 'accepted',
        };
      }
      return status === 'failed'
        ? {
            change: {
              from: 'failed',
              to: 'failed',
              note: `platform agent ${agentLabel(event.agent)} joined after the handoff had failed; the contact is ended`,
            },
            endContact: true,
          }
        : null;
    case 'agent_message':
      return status === 'failed'
        ? null
        : { change: null, relay: { kind: 'text', text: event.text, agent: event.agent } };
    case 'agent_file':
      return status === 'failed'
        ? null
        : { change: null, relay: { kind: 'file', file: event.file, agent: event.agent } };
    case 'agent_typing':
      return status === 'failed' ? null : { change: null, relay: { kind: 'typing' } };
    case 'transferred':
      return status === 'accepted'
        ? {
            change: {
              from: status,
              to: status,
              note: `transferred${event.queue ? ` to ${event.queue}` : ''}`,
            },
          }
        : null;
    case 'ended':
      if (status === 'accepted') {
        return {
          change: { from: status, to: status, note: `the platform contact ended (by ${event.by})` },
          relay: { kind: 'ended' },
          contactOver: true,
        };
      }
      if (!final) {
        return {
          change: {
            from: status,
            to: 'failed',
            reason: 'error',
            detail: `the platform contact ended (by ${event.by}) before an agent joined`,
          },
          announce: 'failed',
          contactOver: true,
        };
      }
      return { change: null, contactOver: true };
    case 'failed':
      return final
        ? null
        : {
            change: {
              from: status,
              to: 'failed',
              reason: event.reason === 'timeout' ? 'timeout' : 'error',
              detail: event.detail,
            },
            announce: 'failed',
          };
    default:
      return null;
  }
}
