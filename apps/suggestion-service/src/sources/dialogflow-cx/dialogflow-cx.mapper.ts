import { createHash } from 'node:crypto';
import type { AssistSuggestionSource } from '@hub/contracts';

/**
 * The parts of a Dialogflow CX `DetectIntentResponse` (google.cloud.dialogflow.cx.v3, session.proto) that
 * become a suggestion. Field names as @google-cloud/dialogflow-cx decodes them (camelCase, `text.text[]`).
 */
export interface CxDetectIntentResult {
  queryResult?: {
    responseMessages?: { text?: { text?: string[] | null } | null }[] | null;
    match?: {
      intent?: { name?: string | null; displayName?: string | null } | null;
      /** NO_MATCH, INTENT, DIRECT_INTENT, PARAMETER_FILLING, PLAYBOOK, KNOWLEDGE_CONNECTOR, … (enum name or number). */
      matchType?: string | number | null;
      /** [0, 1]. */
      confidence?: number | null;
    } | null;
    currentPage?: { name?: string | null; displayName?: string | null } | null;
  } | null;
}

/** What a CX answer contributes to `assist.suggestion`. */
export interface CxSuggestion {
  /** The agent's text responses joined with a blank line; '' when CX answered nothing or found no match. */
  answer: string;
  /** `match.confidence` clamped to [0, 1]; 0 for NO_MATCH / NO_INPUT. */
  confidence: number;
  /** The matched intent (and page) as sources: `documentId` = CX resource name. */
  sources: AssistSuggestionSource[];
  /** The match type name, e.g. `INTENT`, `NO_MATCH` (for logs). */
  matchType: string;
}

const MATCH_TYPES = [
  'MATCH_TYPE_UNSPECIFIED',
  'INTENT',
  'DIRECT_INTENT',
  'PARAMETER_FILLING',
  'NO_MATCH',
  'NO_INPUT',
  'EVENT',
  'KNOWLEDGE_CONNECTOR',
  'PLAYBOOK',
];

/**
 * Dialogflow CX session id for an interaction: CX session ids are at most 36 characters
 * (`projects/…/sessions/<id>`, session.proto), so the id is a hash of tenant + interaction — one CX session
 * per interaction, so CX keeps the conversation's state between utterances.
 */
export function cxSessionId(tenantId: string, interactionId: string): string {
  return createHash('sha256').update(`${tenantId}\u0000${interactionId}`).digest('base64url').slice(0, 36);
}

/** Maps a DetectIntent response to the suggestion's answer, confidence and sources (pure). */
export function suggestionFromDetectIntent(res: CxDetectIntentResult): CxSuggestion {
  const qr = res.queryResult ?? {};
  const texts = (qr.responseMessages ?? [])
    .flatMap((m) => m.text?.text ?? [])
    .map((t) => t.trim())
    .filter(Boolean)
    .join('\n\n');
  const m = qr.match ?? {};
  const matchType =
    typeof m.matchType === 'number'
      ? (MATCH_TYPES[m.matchType] ?? String(m.matchType))
      : (m.matchType ?? 'MATCH_TYPE_UNSPECIFIED');
  const noMatch = matchType === 'NO_MATCH' || matchType === 'NO_INPUT';
  // the agent's no-match prompt ("Sorry, could you say that again?") is for the customer, not a suggestion:
  // like retrieval without passages, the suggestion then has an empty answer
  const answer = noMatch ? '' : texts;
  const confidence = noMatch ? 0 : Math.min(1, Math.max(0, Number(m.confidence ?? 0)));
  const sources: AssistSuggestionSource[] = [];
  if (m.intent?.name)
    sources.push({
      documentId: m.intent.name,
      title: m.intent.displayName || m.intent.name,
      score: confidence,
    });
  if (qr.currentPage?.name && !noMatch)
    sources.push({
      documentId: qr.currentPage.name,
      title: qr.currentPage.displayName || qr.currentPage.name,
    });
  return { answer, confidence, sources, matchType };
}
