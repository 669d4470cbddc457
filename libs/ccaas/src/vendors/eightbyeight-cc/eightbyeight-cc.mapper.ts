import { TargetError, type HandoffContext } from '../../core/target';
import type { EightByEightCcConfig } from './eightbyeight-cc.client';

/** Chat Gateway limits (OpenAPI `CreateTransactionRequest`): `user.additionalProperties` ≤ 30, `history.messages` ≤ 200. */
export const EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES = 30;
export const EIGHTBYEIGHT_MAX_HISTORY_MESSAGES = 200;
/** Our cap on one additional property value / one history message, characters. */
export const EIGHTBYEIGHT_MAX_VALUE_CHARS = 1000;
export const EIGHTBYEIGHT_MAX_MESSAGE_CHARS = 4000;

/** `assignment` of a new conversation: a queue, or a script (skill-based routing). */
export interface EightByEightAssignment {
  type: 'queue' | 'script';
  id: string;
}

/**
 * Where a handoff goes: a `skillGroups` entry matching its intent/category (→ `script`), else the first matching
 * `queueMappings` entry (→ `queue`), else `defaultQueueId`. Matching is case-insensitive.
 * @throws TargetError('invalid', `config.defaultQueueId`) when nothing matches and there is no default
 */
export function resolveEightByEightAssignment(
  ctx: Pick<HandoffContext, 'intent' | 'category'>,
  config: EightByEightCcConfig,
): EightByEightAssignment {
  const of = (m: 'intent' | 'category') => (m === 'intent' ? ctx.intent : ctx.category)?.toLowerCase();
  const skill = config.skillGroups.find((g) => of(g.match) === g.value.toLowerCase());
  if (skill) return { type: 'script', id: skill.scriptId };
  const q = config.queueMappings.find((m) => of(m.match) === m.value.toLowerCase());
  const id = q?.queueId ?? config.defaultQueueId;
  if (!id)
    throw new TargetError(
      'invalid',
      'no queue mapping matches and no default queue is set',
      'config.defaultQueueId',
    );
  return { type: 'queue', id };
}

/**
 * The `user` object of a new conversation (Chat Gateway `ConversationUserData`): name, email, phone, `caseId` (the
 * handoff id), `userId` (the bot's customer id) and `additionalProperties` — the hub's fields first (Case Category,
 * Media Type, Priority, Intent, Summary, Sentiment, Escalation Reason, Hub Conversation), then the bot's custom
 * attributes, at most {@link EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES} (the rest dropped; values cut to
 * {@link EIGHTBYEIGHT_MAX_VALUE_CHARS}).
 */
export function eightByEightUser(ctx: HandoffContext): Record<string, unknown> {
  const hub: [string, string | undefined][] = [
    ['Case Category', ctx.category ?? ctx.intent],
    ['Media Type', ctx.channel],
    ['Priority', String(ctx.priority)],
    ['Intent', ctx.intent],
    ['Summary', ctx.summary],
    ['Sentiment', ctx.sentiment ? `${ctx.sentiment.label} (${ctx.sentiment.score.toFixed(2)})` : undefined],
    ['Escalation Reason', ctx.escalationReason],
    ['Hub Conversation', ctx.conversationId],
  ];
  const seen = new Set<string>();
  const props: { key: string; value: string }[] = [];
  for (const [key, value] of [
    ...hub.filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
    ...Object.entries(ctx.attributes),
  ]) {
    if (seen.has(key) || props.length >= EIGHTBYEIGHT_MAX_ADDITIONAL_PROPERTIES) continue;
    seen.add(key);
    props.push({ key, value: cut(value, EIGHTBYEIGHT_MAX_VALUE_CHARS) });
  }
  return {
    ...(ctx.customer.name ? { name: ctx.customer.name } : {}),
    ...(ctx.customer.id ? { userId: ctx.customer.id } : {}),
    ...(ctx.customer.email ? { email: ctx.customer.email } : {}),
    ...(ctx.customer.phone ? { phone: ctx.customer.phone } : {}),
    caseId: ctx.handoffId,
    additionalProperties: props,
  };
}

/**
 * `history.messages` (the agent's case notes): the transcript, `customer` lines as `user`, the rest as `bot`; the
 * most recent {@link EIGHTBYEIGHT_MAX_HISTORY_MESSAGES} − 1 kept after a marker line when it is longer (the full
 * transcript stays in the hub's conversation log).
 */
export function eightByEightHistory(ctx: HandoffContext): { authorType: 'user' | 'bot'; text: string }[] {
  const lines = ctx.transcript
    .filter((m) => m.text.trim() !== '')
    .map((m) => ({
      authorType: m.role === 'customer' ? ('user' as const) : ('bot' as const),
      text: cut(
        m.role === 'agent' || m.role === 'system' ? `[${m.role}] ${m.text}` : m.text,
        EIGHTBYEIGHT_MAX_MESSAGE_CHARS,
      ),
    }));
  if (lines.length <= EIGHTBYEIGHT_MAX_HISTORY_MESSAGES) return lines;
  const kept = lines.slice(-(EIGHTBYEIGHT_MAX_HISTORY_MESSAGES - 1));
  return [
    {
      authorType: 'bot',
      text: `[${lines.length - kept.length} earlier message(s) omitted; full transcript in the hub]`,
    },
    ...kept,
  ];
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 6)}…[cut]` : s;
}
