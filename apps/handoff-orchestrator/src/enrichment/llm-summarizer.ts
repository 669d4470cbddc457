import type { TranscriptEntry } from '@hub/contracts';
import type { ChatMessage, ChatProvider, OpenAiChatRepository } from './openai-chat.repository';
import type { Summarizer, SummaryInput } from './summarizer';

/** Instruction given to the model. */
export const SUMMARY_SYSTEM_PROMPT =
  'You summarize a customer-service chatbot conversation for the human agent who takes it over. ' +
  'In at most three sentences state what the customer wants, what the bot already tried, and anything ' +
  'urgent (deadlines, anger, money). No preamble, no bullet points.';

/** Formats the transcript as `Customer: …` / `Bot: …` lines (last `maxLines` lines). */
export function transcriptForPrompt(transcript: readonly TranscriptEntry[], maxLines = 200): string {
  const label = { user: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System' } as const;
  return transcript
    .filter((t) => t.text.trim())
    .slice(-maxLines)
    .map((t) => `${label[t.role]}: ${t.text.trim().replace(/\s+/g, ' ')}`)
    .join('\n');
}

/** Summarizes through an OpenAI-compatible chat-completions provider (the tenant's `llm` integration). */
export class LlmSummarizer implements Summarizer {
  constructor(
    private readonly chat: OpenAiChatRepository,
    private readonly provider: ChatProvider,
  ) {}

  /** @throws ChatCompletionError when the provider fails or times out (the caller falls back) */
  async summarize(input: SummaryInput): Promise<string | null> {
    const text = transcriptForPrompt(input.transcript);
    if (!text) return null;
    const context = [
      input.intent ? `Detected intent: ${input.intent}` : '',
      input.escalationReason ? `Escalation reason: ${input.escalationReason}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    const messages: ChatMessage[] = [
      { role: 'system', content: SUMMARY_SYSTEM_PROMPT },
      { role: 'user', content: `${context ? `${context}\n\n` : ''}Conversation:\n${text}` },
    ];
    return (await this.chat.complete(this.provider, messages, { maxTokens: 200 })).slice(0, 2000);
  }
}
