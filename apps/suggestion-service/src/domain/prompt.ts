import type { ContextUtterance } from './conversation-query';
import type { Passage } from './extractive-answer';

/** Used when neither the queue mapping nor the tenant sets a system prompt. */
export const DEFAULT_SYSTEM_PROMPT =
  'You assist a contact-center agent. Suggest a short, accurate reply the agent can give the customer, ' +
  'using only the knowledge passages provided. If they do not answer the question, say so briefly.';

/**
 * Chat messages for answer generation (OpenAI chat-completions shape): the system prompt of the
 * mapping (or tenant, or {@link DEFAULT_SYSTEM_PROMPT}), then one user message with the numbered
 * passages, the recent conversation and the customer's question.
 */
export function buildAnswerMessages(
  systemPrompt: string | null,
  window: readonly ContextUtterance[],
  passages: readonly Passage[],
  question: string,
): { role: 'system' | 'user'; content: string }[] {
  const knowledge = passages.map((p, i) => `[${i + 1}] ${p.title}\n${p.text}`).join('\n\n');
  const conversation = window
    .slice(-8)
    .map((u) => `${u.speaker === 'customer' ? 'Customer' : 'Agent'}: ${u.text}`)
    .join('\n');
  return [
    { role: 'system', content: systemPrompt?.trim() || DEFAULT_SYSTEM_PROMPT },
    {
      role: 'user',
      content: `Knowledge passages:\n${knowledge || '(none)'}\n\nConversation so far:\n${conversation}\n\nCustomer question: ${question}\n\nSuggested answer:`,
    },
  ];
}
