import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import busboy from 'busboy';
import { WaveFile } from 'wavefile';

const run = promisify(execFile);

/** One multipart request as the server parsed it. */
export interface ReceivedTranscription {
  authorization?: string;
  contentType?: string;
  fields: Record<string, string[]>;
  file?: { filename: string; mimeType: string; bytes: Buffer };
  /** WAV header of `file` (wavefile): channels, rate, bits. */
  wav?: { channels: number; sampleRate: number; bitsPerSample: number; samples: number };
  status: number;
  /** The JSON answered (2xx only). */
  answer?: { text: string } & Record<string, unknown>;
}

/** Behaviour of {@link startOpenAiTranscriptionServer}. */
export interface OpenAiServerOptions {
  /** Bearer token expected in `Authorization`; other tokens get 401 (`invalid_api_key`). */
  apiKey: string;
  /**
   * Status to answer instead of transcribing, per request number (1-based), e.g. `{1: 503}` fails the first.
   * Or a function of the request number.
   */
  failWith?: (n: number) => number | undefined;
}

/** Parses a multipart/form-data request with busboy (fields and the single `file` part). */
function parseMultipart(req: IncomingMessage): Promise<Pick<ReceivedTranscription, 'fields' | 'file'>> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string[]> = {};
    let file: ReceivedTranscription['file'];
    const bb = busboy({ headers: req.headers, limits: { fileSize: 25 << 20, files: 1 } });
    bb.on('field', (name, value) => (fields[name] ??= []).push(value));
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (name === 'file')
          file = { filename: info.filename ?? '', mimeType: info.mimeType, bytes: Buffer.concat(chunks) };
      });
    });
    bb.on('error', reject);
    bb.on('close', () => resolve({ fields, file }));
    req.pipe(bb);
  });
}

/**
 * Recognizes a 16 kHz mono 16-bit WAV with the real Debian PocketSphinx (`pocketsphinx_continuous`, en-us
 * model) and returns its utterance hypotheses joined by spaces.
 */
async function pocketsphinx(samples: Int16Array, sampleRate: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'openai-stt-'));
  try {
    const raw = join(dir, 'utterance.raw');
    await writeFile(raw, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    const { stdout } = await run(
      'pocketsphinx_continuous',
      ['-infile', raw, '-samprate', String(sampleRate), '-logfn', '/dev/null'],
      { timeout: 60_000 },
    );
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A local server speaking OpenAI's `POST /v1/audio/transcriptions` (multipart/form-data with `file`, `model`,
 * `language`, `prompt`, `response_format`, `timestamp_granularities[]`; bearer auth; errors as
 * `{error: {message, type, code}}`). The uploaded WAV is parsed with `wavefile` and transcribed by the real
 * PocketSphinx; `verbose_json` answers carry one segment spanning the file and the recognized words spread
 * over it (PocketSphinx gives no word times here). Every request is recorded in `received`.
 */
export async function startOpenAiTranscriptionServer(opts: OpenAiServerOptions): Promise<{
  url: string;
  received: ReceivedTranscription[];
  close: () => Promise<void>;
}> {
  const received: ReceivedTranscription[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const r: ReceivedTranscription = {
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        fields: {},
        status: 0,
      };
      received.push(r);
      const n = received.length;
      const answer = (status: number, body: unknown) => {
        r.status = status;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      try {
        if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions')
          return answer(404, { error: { message: 'not found', type: 'invalid_request_error' } });
        Object.assign(r, await parseMultipart(req));
        if (r.authorization !== `Bearer ${opts.apiKey}`)
          return answer(401, {
            error: {
              message: 'Incorrect API key provided',
              type: 'invalid_request_error',
              code: 'invalid_api_key',
            },
          });
        const forced = opts.failWith?.(n);
        if (forced) return answer(forced, { error: { message: `forced ${forced}`, type: 'server_error' } });
        if (!r.file || !r.fields['model']?.[0])
          return answer(400, {
            error: { message: 'file and model are required', type: 'invalid_request_error' },
          });
        const wav = new WaveFile(r.file.bytes);
        const fmt = wav.fmt as { numChannels: number; sampleRate: number; bitsPerSample: number };
        const pcm = wav.getSamples(false, Int16Array) as unknown as Int16Array;
        const samples = pcm.length;
        r.wav = {
          channels: fmt.numChannels,
          sampleRate: fmt.sampleRate,
          bitsPerSample: fmt.bitsPerSample,
          samples,
        };
        const text = await pocketsphinx(pcm, fmt.sampleRate);
        const duration = samples / fmt.sampleRate;
        const format = r.fields['response_format']?.[0] ?? 'json';
        const body: ReceivedTranscription['answer'] =
          format === 'verbose_json'
            ? {
                task: 'transcribe',
                language: r.fields['language']?.[0] ?? 'en',
                duration,
                text,
                segments: [{ id: 0, seek: 0, start: 0, end: duration, text, avg_logprob: -0.3 }],
                words: text
                  .split(' ')
                  .filter(Boolean)
                  .map((word, i, all) => ({
                    word,
                    start: (duration * i) / all.length,
                    end: (duration * (i + 1)) / all.length,
                  })),
              }
            : { text };
        r.answer = body;
        answer(200, body);
      } catch (e) {
        answer(500, { error: { message: (e as Error).message, type: 'server_error' } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
