import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebSocketServer, type RawData } from 'ws';
import { PocketSphinxSpeechToText } from '../../src/stt/pocketsphinx.provider';
import type { RecognizedUtterance, SpeechStream } from '../../src/stt/speech-to-text';

/** One client connection as the server saw it. */
export interface VoskConnection {
  /** Text messages in order (the `config` first, `{"eof" : 1}` last), verbatim. */
  texts: string[];
  /** Every binary message concatenated (16-bit LE PCM as sent). */
  audio: Buffer;
  binaryMessages: number;
  /** ms timestamps (Date.now) of the first binary message and of `eof`. */
  firstAudioAt?: number;
  eofAt?: number;
  /** Final results sent (`{text, result}` objects). */
  finals: { text: string; result: { word: string; start: number; end: number; conf: number }[] }[];
}

/**
 * A local server speaking the Vosk server WebSocket protocol as `alphacep/vosk-server` `websocket/asr_server.py`
 * implements it: a text `{"config": {...}}` message sets `sample_rate` / `words` / `phrase_list`; each binary
 * message (16-bit PCM) is answered with exactly one message — a final result `{"text", "result": [{word, start,
 * end, conf}]}` when an utterance ended, else `{"partial": ""}`; the text `{"eof" : 1}` (compared verbatim, as
 * the Python server does) is answered with the final result and the connection is closed. Recognition is real:
 * the audio goes to Debian's PocketSphinx through the connector's own PocketSphinx provider (8 kHz → 16 kHz with
 * noise fill), whose finals are queued and returned on the next reply.
 */
export async function startVoskServer(): Promise<{
  url: string;
  connections: VoskConnection[];
  close: () => Promise<void>;
}> {
  const engine = new PocketSphinxSpeechToText({
    binary: 'pocketsphinx_continuous',
    maxStreams: 16,
    maxBacklogMs: 600_000,
    noiseFill: 330,
    flushTimeoutMs: 60_000,
    logger: pino({ level: 'warn' }),
  });
  const connections: VoskConnection[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    const conn: VoskConnection = { texts: [], audio: Buffer.alloc(0), binaryMessages: 0, finals: [] };
    connections.push(conn);
    const ready: RecognizedUtterance[] = [];
    let recognizer: SpeechStream | null = null;
    const toVosk = (us: RecognizedUtterance[]) => {
      const words = us.flatMap((u) => u.words);
      const final = {
        text: us.map((u) => u.text).join(' '),
        result: words.map((w) => ({
          word: w.word,
          start: w.startMs / 1000,
          end: w.endMs / 1000,
          conf: w.confidence,
        })),
      };
      conn.finals.push(final);
      return JSON.stringify(final);
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      if (!isBinary) {
        const text = buf.toString('utf8');
        conn.texts.push(text);
        if (text.includes('config')) return; // as asr_server.py: settings, no answer
        if (text === '{"eof" : 1}') {
          conn.eofAt = Date.now();
          void (async () => {
            await recognizer?.end();
            ws.send(toVosk(ready.splice(0)));
            ws.close();
          })();
        }
        return;
      }
      conn.firstAudioAt ??= Date.now();
      conn.binaryMessages += 1;
      conn.audio = Buffer.concat([conn.audio, buf]);
      recognizer ??= engine.open({
        language: 'en-US',
        label: `vosk-${connections.length}`,
        onUtterance: (u) => ready.push(u),
        onError: () => undefined,
      });
      const pcm = new Int16Array(buf.length / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = buf.readInt16LE(i * 2);
      recognizer?.write(pcm);
      ws.send(ready.length ? toVosk(ready.splice(0)) : JSON.stringify({ partial: '' }));
    });
    ws.on('close', () => recognizer?.destroy());
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
