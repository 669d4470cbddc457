import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { OutboundHttp, redactVendorText, type PinnedResponse } from '@hub/integrations';

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
 * llama.cpp server, LiteLLM … The call goes through {@link OutboundHttp}: `baseUrl` is vetted by the
 * outbound URL policy (SSRF), the connection pinned, a redirect refused (the API key never follows it);
 * an error body is redacted ({@link redactVendorText}) before it reaches an error message or a log.
 */
@Injectable()
export class OpenAiChatRepository {
  constructor(private readonly outbound: OutboundHttp) {}

  /**
   * @returns the first choice's text, trimmed
   * @throws ChatCompletionError on HTTP ≥ 400, timeout (`timeoutMs`), network error, a refused URL or
   *   redirect, or a malformed body (messages never contain the API key)
   */
  async complete(
    provider: ChatProvider,
    messages: ChatMessage[],
    opts: { maxTokens?: number; temperature?: number } = {},
  ): Promise<string> {
    const url = `${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    let res: PinnedResponse;
    try {
      res = await this.outbound.request(url, {
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
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `no answer within ${provider.timeoutMs} ms`
          : `request failed: ${redactVendorText(err.message, { secrets: [provider.apiKey] })}`,
      );
    }
    let body: unknown;
    try {
      if (!res.ok) {
        const text = await res.text(64 * 1024).catch(() => '');
        throw new ChatCompletionError(
          `HTTP ${res.status}: ${redactVendorText(text, { secrets: [provider.apiKey], maxLength: 300 })}`,
          res.status,
        );
      }
      body = await res.json();
    } catch (e) {
      if (e instanceof ChatCompletionError) throw e;
      const err = e as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError')
        throw new ChatCompletionError(`no answer within ${provider.timeoutMs} ms`, res.status);
      throw new ChatCompletionError(`invalid JSON: ${redactVendorText(err.message)}`, res.status);
    }
    const parsed = ChatCompletionResponseSchema.safeParse(body);
    const content = parsed.success ? parsed.data.choices[0].message.content?.trim() : undefined;
    if (!content) throw new ChatCompletionError('no choices[0].message.content in the answer', res.status);
    return content;
  }
}
