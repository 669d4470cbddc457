import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request received by {@link FakeOpenAi}. */
export interface ReceivedChat {
  path: string;
  authorization?: string;
  body: { model: string; stream: boolean; messages: { role: string; content: string }[] };
}

/**
 * Local OpenAI-compatible server speaking the real chat-completions wire format: with
 * `stream: true` it answers `text/event-stream` with `data: {"id":…,"object":"chat.completion.chunk",
 * "choices":[{"index":0,"delta":{"content":…},"finish_reason":null}]}` events and `data: [DONE]`.
 * `mode` switches to a stalled answer (timeout) or an HTTP 500 error body.
 */
export class FakeOpenAi {
  readonly received: ReceivedChat[] = [];
  mode: 'ok' | 'stall' | 'error' = 'ok';
  reply = 'Yes — the guest house has free parking on site.';
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    let raw = '';
    for await (const c of req) raw += c;
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw);
    this.received.push({ path: req.url, authorization: req.headers.authorization, body });
    if (this.mode === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'The server had an error', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    if (this.mode === 'stall') {
      res.write(': keep-alive\n\n'); // headers and a comment, then nothing (the client must time out)
      return;
    }
    const id = 'chatcmpl-test';
    const chunk = (delta: Record<string, string>, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1700000000, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    for (const word of this.reply.split(/(?<= )/)) res.write(chunk({ content: word }, null));
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }
}
