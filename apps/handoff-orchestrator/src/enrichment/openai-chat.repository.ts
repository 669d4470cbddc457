import { Injectable } from '@nestjs/common';
import { z } from 'zod';

/** One chat message of the OpenAI chat-completions API. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Where and how to call an OpenAI-compatible provider (from a tenant's `llm` integration). */
export interface ChatProvider {
  /** API base, e.g. `https://api.openai.com/v1` (the request goes to `{baseUrl}/chat/completions`). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Whole-request timeout, ms. */
  timeoutMs: number;
}

/** The provider answered with an error, an unexpected body, or not within the timeout. */
export class ChatCompletionError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ChatCompletionError';
  }
}

const ChatCompletionResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
});

/**
 * Minimal client of the OpenAI chat-completions wire format (`POST {baseUrl}/chat/completions`,
 * `Authorization: Bearer <apiKey>`, body `{model, messages, temperature, max_tokens}`, answer
 * `choices[0].message.content`) — spoken by OpenAI, Azure OpenAI-compatible gateways, vLLM, Ollama,
 * llama.cpp server, LiteLLM …
 */
@Injectable()
export class OpenAiChatRepository {
  /**
   * @returns the first choice's text, trimmed
   * @throws ChatCompletionError on HTTP ≥ 400, timeout (`timeoutMs`), network error or malformed body
   */
  async complete(
    provider: ChatProvider,
    messages: ChatMessage[],
    opts: { maxTokens?: number; temperature?: number } = {},
  ): Promise<string> {
    const url = `${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: provider.model,
          messages,
          temperature: opts.temperature ?? 0.2,
          max_tokens: opts.maxTokens ?? 256,
        }),
        signal: AbortSignal.timeout(provider.timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      throw new ChatCompletionError(
        err.name === 'TimeoutError'
          ? `no answer within ${provider.timeoutMs} ms`
          : `request failed: ${err.message}`,
      );
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new ChatCompletionError(`HTTP ${res.status}: ${text.slice(0, 300)}`, res.status);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      throw new ChatCompletionError(`invalid JSON: ${(e as Error).message}`, res.status);
    }
    const parsed = ChatCompletionResponseSchema.safeParse(body);
    const content = parsed.success ? parsed.data.choices[0].message.content?.trim() : undefined;
    if (!content) throw new ChatCompletionError('no choices[0].message.content in the answer', res.status);
    return content;
  }
}
