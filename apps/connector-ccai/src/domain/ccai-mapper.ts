import { z } from 'zod';
import type { AssistSuggestion, ConversationEvent } from '@hub/contracts';

/** Last path segment of a Dialogflow resource name (`projects/p/…/conversations/c` → `c`). */
export function resourceId(name: string): string {
  const parts = name.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? name;
}

/** Dialogflow `Message` (v2/v2beta1 JSON): the payload of a NEW_MESSAGE conversation event. */
const MessageSchema = z.looseObject({
  name: z.string().optional(),
  content: z.string().max(20_000),
  languageCode: z.string().max(35).optional(),
  participant: z.string().optional(),
  participantRole: z.enum(['ROLE_UNSPECIFIED', 'HUMAN_AGENT', 'AUTOMATED_AGENT', 'END_USER']).optional(),
  createTime: z.string().optional(),
  sendTime: z.string().optional(),
});

/** Dialogflow `ConversationEvent`: conversation lifecycle notification (NotificationConfig, JSON format). */
export const ConversationEventPayloadSchema = z.looseObject({
  conversation: z.string().min(1),
  type: z.string().min(1),
  newMessagePayload: MessageSchema.optional(),
});

const Confidence = z.number().optional();
const ArticleAnswer = z.looseObject({
  title: z.string().optional(),
  uri: z.string().optional(),
  snippets: z.array(z.string()).optional(),
  confidence: Confidence,
  answerRecord: z.string().optional(),
});
const FaqAnswer = z.looseObject({
  answer: z.string().optional(),
  question: z.string().optional(),
  source: z.string().optional(),
  confidence: Confidence,
  answerRecord: z.string().optional(),
});
const SmartReplyAnswer = z.looseObject({
  reply: z.string().optional(),
  confidence: Confidence,
  answerRecord: z.string().optional(),
});
const DialogflowAssistAnswer = z.looseObject({
  queryResult: z
    .looseObject({
      fulfillmentText: z.string().optional(),
      intentDetectionConfidence: Confidence,
      intent: z.looseObject({ displayName: z.string().optional(), name: z.string().optional() }).optional(),
    })
    .optional(),
  intentSuggestion: z
    .looseObject({
      displayName: z.string().optional(),
      intentV2: z.string().optional(),
      description: z.string().optional(),
    })
    .optional(),
  answerRecord: z.string().optional(),
});
const KnowledgeAssistAnswer = z.looseObject({
  suggestedQuery: z.looseObject({ queryText: z.string().optional() }).optional(),
  suggestedQueryAnswer: z
    .looseObject({
      answerText: z.string().optional(),
      faqSource: z.looseObject({ question: z.string().optional() }).optional(),
      generativeSource: z
        .looseObject({
          snippets: z
            .array(
              z.looseObject({
                uri: z.string().optional(),
                text: z.string().optional(),
                title: z.string().optional(),
              }),
            )
            .optional(),
        })
        .optional(),
    })
    .optional(),
  answerRecord: z.string().optional(),
});
const WithLatest = { latestMessage: z.string().optional(), contextSize: z.number().optional() };

/** Agent Assist `SuggestionResult` (one of the response kinds, or an error). */
const SuggestionResultSchema = z.looseObject({
  error: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
  suggestArticlesResponse: z
    .looseObject({ articleAnswers: z.array(ArticleAnswer).optional(), ...WithLatest })
    .optional(),
  suggestFaqAnswersResponse: z
    .looseObject({ faqAnswers: z.array(FaqAnswer).optional(), ...WithLatest })
    .optional(),
  suggestSmartRepliesResponse: z
    .looseObject({ smartReplyAnswers: z.array(SmartReplyAnswer).optional(), ...WithLatest })
    .optional(),
  suggestDialogflowAssistsResponse: z
    .looseObject({ dialogflowAssistAnswers: z.array(DialogflowAssistAnswer).optional(), ...WithLatest })
    .optional(),
  suggestKnowledgeAssistResponse: z
    .looseObject({ knowledgeAssistAnswer: KnowledgeAssistAnswer.optional(), ...WithLatest })
    .optional(),
});

/** Agent Assist `HumanAgentAssistantEvent`: suggestions for a participant of a conversation. */
export const HumanAgentAssistantEventSchema = z.looseObject({
  conversation: z.string().min(1),
  participant: z.string().optional(),
  suggestionResults: z.array(SuggestionResultSchema),
});

/** A suggestion before ids/timings are attached (see {@link toAssistSuggestion}). */
export type DialogflowSuggestion = Pick<
  AssistSuggestion,
  'interactionId' | 'utteranceId' | 'answer' | 'sources' | 'confidence'
> & {
  /** Which Agent Assist feature produced it, e.g. `faq`, `article`, `smart_reply`, `dialogflow_assist`. */
  feature: string;
};

export type CcaiMapResult =
  | { kind: 'conversation'; events: ConversationEvent[] }
  | { kind: 'suggestions'; suggestions: DialogflowSuggestion[]; interactionId: string }
  | { kind: 'ignored'; vendorEvent: string }
  | { kind: 'invalid'; detail: string };

const clamp01 = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? 0 : Math.min(1, Math.max(0, n));
const issues = (e: z.ZodError) =>
  e.issues
    .slice(0, 5)
    .map((i) => `data.${i.path.join('.')}: ${i.message}`)
    .join('; ');

const LIFECYCLE: Record<string, Extract<ConversationEvent, { kind: 'lifecycle' }>['state']> = {
  CONVERSATION_STARTED: 'started',
  HUMAN_INTERVENTION_NEEDED: 'queued',
  CONVERSATION_FINISHED: 'ended',
};

/**
 * Maps the JSON data of one Pub/Sub message published by Dialogflow / Agent Assist
 * (NotificationConfig with `messageFormat: JSON`) to normalized events. Pure; never throws.
 *
 * - `ConversationEvent` (`type` + `conversation`): CONVERSATION_STARTED → lifecycle `started`,
 *   HUMAN_INTERVENTION_NEEDED → `queued`, CONVERSATION_FINISHED → `ended`; NEW_MESSAGE → an utterance
 *   (END_USER → customer, HUMAN_AGENT / AUTOMATED_AGENT → agent; final; `utteranceId` = message id;
 *   agent messages carry the participant id as `agentId`). Other types → ignored.
 * - `HumanAgentAssistantEvent` (`suggestionResults`): every article, FAQ, smart reply, knowledge assist
 *   and Dialogflow assist answer → one suggestion (passed through, `generator: 'dialogflow'`), with
 *   `utteranceId` = the `latestMessage` it answers. Results carrying only an `error` are skipped.
 * - Anything else → invalid (the caller answers 400, which sends the message to the dead letter).
 *
 * `interactionId` is the Dialogflow conversation id (last segment of the conversation name).
 * @param messageId Pub/Sub message id (fallback utterance id)
 */
export function mapCcaiPayload(data: unknown, messageId: string): CcaiMapResult {
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return { kind: 'invalid', detail: 'data: must be a JSON object' };
  if ('suggestionResults' in data) {
    const parsed = HumanAgentAssistantEventSchema.safeParse(data);
    if (!parsed.success) return { kind: 'invalid', detail: issues(parsed.error) };
    const interactionId = resourceId(parsed.data.conversation).slice(0, 200);
    return { kind: 'suggestions', interactionId, suggestions: suggestionsOf(parsed.data, interactionId) };
  }
  if (!('type' in data)) {
    return {
      kind: 'invalid',
      detail: 'data: neither a ConversationEvent (type) nor a HumanAgentAssistantEvent (suggestionResults)',
    };
  }
  const parsed = ConversationEventPayloadSchema.safeParse(data);
  if (!parsed.success) return { kind: 'invalid', detail: issues(parsed.error) };
  const e = parsed.data;
  const interactionId = resourceId(e.conversation).slice(0, 200);
  const state = LIFECYCLE[e.type];
  if (state) {
    return {
      kind: 'conversation',
      events: [{ kind: 'lifecycle', interactionId, provider: 'ccai', state, vendorEvent: e.type }],
    };
  }
  if (e.type !== 'NEW_MESSAGE') return { kind: 'ignored', vendorEvent: e.type };
  const m = e.newMessagePayload;
  if (!m) return { kind: 'invalid', detail: 'data.newMessagePayload: is required for NEW_MESSAGE' };
  const speaker = m.participantRole === 'END_USER' ? 'customer' : 'agent';
  const utterance: ConversationEvent = {
    kind: 'utterance',
    interactionId,
    provider: 'ccai',
    utteranceId: (m.name ? resourceId(m.name) : messageId).slice(0, 200),
    speaker,
    text: m.content,
    isFinal: true,
  };
  if (m.languageCode) utterance.language = m.languageCode;
  if (speaker === 'agent' && m.participant) utterance.agentId = resourceId(m.participant).slice(0, 128);
  return { kind: 'conversation', events: [utterance] };
}

function suggestionsOf(
  event: z.infer<typeof HumanAgentAssistantEventSchema>,
  interactionId: string,
): DialogflowSuggestion[] {
  const out: DialogflowSuggestion[] = [];
  const push = (
    feature: string,
    latest: string | undefined,
    s: Omit<DialogflowSuggestion, 'interactionId' | 'utteranceId' | 'feature'>,
  ) => {
    if (!s.answer.trim()) return;
    out.push({
      ...s,
      feature,
      interactionId,
      utteranceId: latest ? resourceId(latest).slice(0, 200) : undefined,
    });
  };
  for (const r of event.suggestionResults) {
    const articles = r.suggestArticlesResponse;
    for (const a of articles?.articleAnswers ?? []) {
      push('article', articles?.latestMessage, {
        answer: [a.title, ...(a.snippets ?? [])].filter(Boolean).join('\n'),
        sources: [
          { documentId: a.uri ?? a.answerRecord ?? 'article', title: a.title ?? 'Dialogflow article' },
        ],
        confidence: clamp01(a.confidence),
      });
    }
    const faqs = r.suggestFaqAnswersResponse;
    for (const f of faqs?.faqAnswers ?? []) {
      push('faq', faqs?.latestMessage, {
        answer: f.answer ?? '',
        sources: [{ documentId: f.source ?? f.answerRecord ?? 'faq', title: f.question ?? 'Dialogflow FAQ' }],
        confidence: clamp01(f.confidence),
      });
    }
    const replies = r.suggestSmartRepliesResponse;
    for (const s of replies?.smartReplyAnswers ?? []) {
      push('smart_reply', replies?.latestMessage, {
        answer: s.reply ?? '',
        sources: [{ documentId: s.answerRecord ?? 'smart-reply', title: 'Dialogflow smart reply' }],
        confidence: clamp01(s.confidence),
      });
    }
    const assists = r.suggestDialogflowAssistsResponse;
    for (const d of assists?.dialogflowAssistAnswers ?? []) {
      const text =
        d.queryResult?.fulfillmentText ??
        d.intentSuggestion?.description ??
        d.intentSuggestion?.displayName ??
        '';
      push('dialogflow_assist', assists?.latestMessage, {
        answer: text,
        sources: [
          {
            documentId:
              d.intentSuggestion?.intentV2 ??
              d.queryResult?.intent?.name ??
              d.answerRecord ??
              'dialogflow-assist',
            title:
              d.intentSuggestion?.displayName ?? d.queryResult?.intent?.displayName ?? 'Dialogflow assist',
          },
        ],
        confidence: clamp01(d.queryResult?.intentDetectionConfidence),
      });
    }
    const knowledge = r.suggestKnowledgeAssistResponse;
    const k = knowledge?.knowledgeAssistAnswer;
    if (k?.suggestedQueryAnswer?.answerText) {
      const snippets = k.suggestedQueryAnswer.generativeSource?.snippets ?? [];
      push('knowledge_assist', knowledge?.latestMessage, {
        answer: k.suggestedQueryAnswer.answerText,
        sources: snippets.length
          ? snippets.map((s) => ({
              documentId: s.uri ?? 'knowledge-assist',
              title: s.title ?? s.uri ?? 'Dialogflow knowledge assist',
            }))
          : [
              {
                documentId: k.answerRecord ?? 'knowledge-assist',
                title:
                  k.suggestedQueryAnswer.faqSource?.question ??
                  k.suggestedQuery?.queryText ??
                  'Dialogflow knowledge assist',
              },
            ],
        confidence: 0,
      });
    }
  }
  return out;
}
