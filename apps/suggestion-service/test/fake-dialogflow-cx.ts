import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** One intent of the stand-in agent: matched by word overlap with its training phrase. */
export interface FakeCxIntent {
  id: string;
  displayName: string;
  trainingPhrase: string;
  response: string;
}

/** A DetectIntent request as the stand-in received it (decoded with the package's own protos). */
export interface ReceivedDetectIntent {
  session: string;
  text: string;
  languageCode: string;
  metadata: Record<string, string>;
}

/** The decoded DetectIntentRequest fields the stand-in reads (proto-loader, camelCase). */
interface DetectIntentRequest {
  session: string;
  queryInput?: { text?: { text?: string }; languageCode?: string };
}

const PROTO_ROOT = join(
  dirname(require.resolve('@google-cloud/dialogflow-cx/package.json')),
  'build',
  'protos',
);
// google-gax's common protos (google/api, google/rpc, google/protobuf): build/src/index.js → build/protos
const GAX_PROTOS = join(dirname(require.resolve('google-gax')), '..', 'protos');

function words(s: string): Set<string> {
  return new Set(s.toLowerCase().match(/[a-z0-9]+/g) ?? []);
}

/**
 * A local Dialogflow CX: a gRPC server implementing `google.cloud.dialogflow.cx.v3.Sessions/DetectIntent` from
 * the `session.proto` shipped in `@google-cloud/dialogflow-cx` (loaded with @grpc/proto-loader), plaintext on
 * 127.0.0.1. Its agent matches text queries to intents by Jaccard word overlap (≥ 0.3 → INTENT with that
 * confidence, else NO_MATCH with a re-prompt), answers with the intent's response as a text ResponseMessage,
 * and reports the current page. `failWith` makes the next calls fail with a gRPC status.
 */
export class FakeDialogflowCx {
  readonly received: ReceivedDetectIntent[] = [];
  intents: FakeCxIntent[] = [];
  failWith: grpc.status | null = null;
  private server?: grpc.Server;

  /** @returns the port */
  async start(): Promise<number> {
    const def = protoLoader.loadSync('google/cloud/dialogflow/cx/v3/session.proto', {
      includeDirs: [PROTO_ROOT, GAX_PROTOS],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      google: { cloud: { dialogflow: { cx: { v3: { Sessions: { service: grpc.ServiceDefinition } } } } } };
    };
    this.server = new grpc.Server();
    this.server.addService(pkg.google.cloud.dialogflow.cx.v3.Sessions.service, {
      detectIntent: (
        call: grpc.ServerUnaryCall<DetectIntentRequest, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) => this.detect(call, cb),
    });
    return new Promise((resolve, reject) =>
      this.server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  private detect(
    call: grpc.ServerUnaryCall<DetectIntentRequest, unknown>,
    cb: grpc.sendUnaryData<unknown>,
  ): void {
    const req = call.request;
    const md: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata.getMap())) md[k] = String(v);
    const text: string = req.queryInput?.text?.text ?? '';
    this.received.push({
      session: req.session,
      text,
      languageCode: req.queryInput?.languageCode ?? '',
      metadata: md,
    });
    if (this.failWith !== null) {
      cb({ code: this.failWith, details: 'stand-in failure' });
      return;
    }
    const agent = String(req.session).replace(/\/sessions\/[^/]+$/, '');
    const q = words(text);
    let best: { intent: FakeCxIntent; score: number } | null = null;
    for (const intent of this.intents) {
      const t = words(intent.trainingPhrase);
      const inter = [...q].filter((w) => t.has(w)).length;
      const score = inter / new Set([...q, ...t]).size;
      if (!best || score > best.score) best = { intent, score };
    }
    const page = {
      name: `${agent}/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE`,
      displayName: 'Start Page',
    };
    const matched = best && best.score >= 0.3 ? best : null;
    cb(null, {
      responseId: `resp-${this.received.length}`,
      queryResult: {
        text,
        languageCode: req.queryInput?.languageCode,
        responseMessages: [
          { text: { text: [matched ? matched.intent.response : 'Sorry, could you say that again?'] } },
        ],
        currentPage: page,
        match: matched
          ? {
              intent: {
                name: `${agent}/intents/${matched.intent.id}`,
                displayName: matched.intent.displayName,
              },
              matchType: 'INTENT',
              confidence: Math.round(matched.score * 1000) / 1000,
              resolvedInput: text,
            }
          : { matchType: 'NO_MATCH', confidence: 0, resolvedInput: text },
      },
      responseType: 'FINAL',
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.tryShutdown(() => resolve()) : resolve(),
    );
  }
}
