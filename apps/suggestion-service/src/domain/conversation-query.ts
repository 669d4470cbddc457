import type { EntityIndex } from './entity-index';
import { withWrittenForms, wordTokens } from './text';

/** One final utterance of the context window. */
export interface ContextUtterance {
  utteranceId: string;
  speaker: 'customer' | 'agent';
  text: string;
}

/** Weights of {@link buildConversationQuery}. */
export interface QueryWeights {
  /** Weight of the last customer utterance. */
  last: number;
  /** Weight of the customer utterance before it; earlier ones decay by `decay` per step. */
  previousCustomer: number;
  /** Weight of agent utterances after the last-but-one customer turn (same decay). */
  agent: number;
  /** Multiplier per step back in the conversation (0..1). */
  decay: number;
}

/** Defaults chosen on the dev split (docs/assist-eval.md), deliberately round numbers. */
export const DEFAULT_QUERY_WEIGHTS: QueryWeights = { last: 1, previousCustomer: 0.3, agent: 0.1, decay: 0.5 };

/** A retrieval query built from a conversation. */
export interface ConversationQuery {
  /** Texts with their weights (the database stems them; a term's weights add up). */
  texts: { text: string; weight: number }[];
  /** Entity keys the conversation is about (most recent mention), empty if none. */
  entities: string[];
  /** The question itself (last customer utterance), for answers and LLM prompts. */
  question: string;
}

/**
 * Builds the retrieval query for the latest customer utterance from the whole context window:
 *  - the entity: the most recent utterance (customer or agent) that names an entity of the knowledge
 *    base decides which entities the question is about — customers say "does the hotel have …" after
 *    the name came up turns earlier;
 *  - the words: the last customer utterance weighs most, earlier turns decay geometrically, agent
 *    turns weigh little; words of the entity names are removed (the entity is a filter, not a term);
 *  - spoken text (speech recognition: no case, no punctuation, numbers in words, names heard
 *    approximately) works as written text does: entity mentions may be approximate
 *    ({@link EntityIndex.find}) and number words get their digits ({@link withWrittenForms}).
 * @param window final utterances, oldest first; the last customer one is the question
 */
export function buildConversationQuery(
  window: readonly ContextUtterance[],
  index: EntityIndex | undefined,
  weights: QueryWeights = DEFAULT_QUERY_WEIGHTS,
): ConversationQuery {
  let lastCustomer = -1;
  for (let i = window.length - 1; i >= 0; i--) {
    if (window[i].speaker === 'customer') {
      lastCustomer = i;
      break;
    }
  }
  if (lastCustomer < 0) return { texts: [], entities: [], question: '' };
  const question = window[lastCustomer].text;

  let entities: string[] = [];
  const entityWords = new Set<string>();
  if (index && index.size > 0) {
    // exact mentions first (the most recent one); approximate ones only when the window names none exactly
    for (const approximate of [false, true]) {
      for (let i = lastCustomer; i >= 0 && !entities.length; i--) {
        const found = index.find(window[i].text, approximate);
        if (found.length) entities = found.map((f) => f.key);
      }
      if (entities.length) break;
    }
    for (const e of entities) for (const w of e.split(' ')) entityWords.add(w);
  }
  // the database tokenizes, so missing punctuation and case do not matter; spoken numbers get their digits
  const strip = (text: string) =>
    withWrittenForms(
      entityWords.size
        ? wordTokens(text)
            .filter((w) => !entityWords.has(w))
            .join(' ')
        : text,
    );

  const texts: { text: string; weight: number }[] = [{ text: strip(question), weight: weights.last }];
  let customerSteps = 0;
  let agentSteps = 0;
  for (let i = lastCustomer - 1; i >= 0; i--) {
    const u = window[i];
    if (u.speaker === 'customer') {
      const w = weights.previousCustomer * Math.pow(weights.decay, customerSteps++);
      if (w >= 0.01) texts.push({ text: strip(u.text), weight: w });
    } else {
      const w = weights.agent * Math.pow(weights.decay, agentSteps++);
      if (w >= 0.01) texts.push({ text: strip(u.text), weight: w });
    }
  }
  return { texts: texts.filter((t) => t.text.trim()), entities, question };
}

/**
 * The text embedded for dense retrieval: the last `turns` customer utterances, oldest first (follow-up
 * questions such as "and for two nights?" need the previous turn). Entity names are kept (an embedding
 * model uses them as context). Empty when no customer spoke.
 * @param window final utterances, oldest first
 * @param turns  customer utterances to keep (≥ 1; default 2)
 */
export function denseQueryText(window: readonly ContextUtterance[], turns = 2): string {
  const customer = window.filter((u) => u.speaker === 'customer' && u.text.trim());
  return customer
    .slice(-Math.max(1, turns))
    .map((u) => u.text.trim())
    .join('\n');
}
