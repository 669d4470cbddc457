import WebSocket from 'ws';
import type { TargetEvent, TargetStream } from '../../core/target';

/** Connect participant websocket topics (Participant Service "CreateParticipantConnection" → `Websocket.Url`). */
export const WS_TOPICS = {
  subscribe: 'aws/subscribe',
  heartbeat: 'aws/heartbeat',
  chat: 'aws/chat',
} as const;

/** Content types of the chat events Connect pushes (`Type: EVENT`). */
export const CONNECT_EVENT = {
  joined: 'application/vnd.amazonaws.connect.event.participant.joined',
  left: 'application/vnd.amazonaws.connect.event.participant.left',
  typing: 'application/vnd.amazonaws.connect.event.typing',
  ended: 'application/vnd.amazonaws.connect.event.chat.ended',
  transferSucceeded: 'application/vnd.amazonaws.connect.event.transfer.succeeded',
} as const;

/** One item of the chat transcript as Connect sends it inside `content` (a JSON string). */
export interface ConnectChatItem {
  AbsoluteTime?: string;
  Content?: string;
  ContentType?: string;
  Id: string;
  Type: 'MESSAGE' | 'EVENT' | 'ATTACHMENT' | 'CONNECTION_ACK' | 'MESSAGEMETADATA' | string;
  ParticipantId?: string;
  DisplayName?: string;
  ParticipantRole?: 'AGENT' | 'CUSTOMER' | 'SYSTEM' | 'CUSTOM_BOT' | string;
  ContactId?: string;
  /** `Type: ATTACHMENT` items. */
  Attachments?: {
    ContentType?: string;
    AttachmentId?: string;
    AttachmentName?: string;
    Status?: 'APPROVED' | 'REJECTED' | 'IN_PROGRESS' | string;
  }[];
}

/**
 * Maps one chat item to a normalized event, or null for what the hub does not relay: our own CUSTOMER
 * lines echoed back, system messages, connection acks, read receipts. Agent `participant.left` is not an
 * end by itself (a transfer follows it); `chat.ended` is. Pure.
 * @param lastLeaver role of the last participant that left (who ended the chat)
 */
export function mapChatItem(item: ConnectChatItem, lastLeaver?: string): TargetEvent | null {
  const at = item.AbsoluteTime ?? new Date().toISOString();
  const agent = { id: item.ParticipantId, name: item.DisplayName };
  if (item.Type === 'MESSAGE') {
    if (item.ParticipantRole !== 'AGENT' || !item.Content) return null;
    return { kind: 'agent_message', at, messageId: item.Id, text: item.Content, agent };
  }
  if (item.Type === 'ATTACHMENT') {
    // An agent's file: its download URL is resolved by the adapter (`GetAttachment`) before it is reported.
    const a = item.Attachments?.find((x) => x.AttachmentId && x.Status !== 'REJECTED');
    if (item.ParticipantRole !== 'AGENT' || !a?.AttachmentId) return null;
    return {
      kind: 'agent_file',
      at,
      messageId: item.Id,
      file: {
        id: a.AttachmentId,
        name: a.AttachmentName ?? 'attachment',
        contentType: a.ContentType ?? 'application/octet-stream',
        sizeBytes: 0,
        url: '',
      },
      agent,
    };
  }
  if (item.Type !== 'EVENT') return null;
  switch (item.ContentType) {
    case CONNECT_EVENT.joined:
      return item.ParticipantRole === 'AGENT' ? { kind: 'accepted', at, agent } : null;
    case CONNECT_EVENT.typing:
      return item.ParticipantRole === 'AGENT' ? { kind: 'agent_typing', at } : null;
    case CONNECT_EVENT.transferSucceeded:
      return { kind: 'transferred', at };
    case CONNECT_EVENT.ended:
      return {
        kind: 'ended',
        at,
        by: lastLeaver === 'AGENT' ? 'agent' : lastLeaver === 'CUSTOMER' ? 'customer' : 'system',
      };
    default:
      return null;
  }
}

/** Options of {@link openParticipantStream}. */
export interface ParticipantStreamOptions {
  url: string;
  /** `aws/heartbeat` interval, ms (Connect's clients send one every 10 s). */
  heartbeatMs?: number;
  /** Connection considered lost after this long without a heartbeat answer or message, ms. */
  deadAfterMs?: number;
  /** Called for every normalized event, in order; a rejection closes the stream (done rejects). */
  onEvent: (eventId: string, event: TargetEvent) => Promise<void>;
  /**
   * The chat so far, oldest first (Participant Service `GetTranscript`), fetched once subscribed and
   * processed before any live item: what happened while no socket was open (first connect, a takeover
   * by another replica, a reconnect) is not lost. Items seen before are dropped by the sink's inbox.
   */
  replay?: () => Promise<ConnectChatItem[]>;
}

/**
 * Opens Connect's participant websocket: subscribes to `aws/chat` (`{"topic":"aws/subscribe",
 * "content":{"topics":["aws/chat"]}}`), sends `aws/heartbeat` every `heartbeatMs`, decodes the doubly
 * encoded `content` of `aws/chat` messages, maps them ({@link mapChatItem}) and hands them to `onEvent`
 * one at a time, after the {@link ParticipantStreamOptions.replay} of the transcript so far. `done` resolves after `chat.ended` (or {@link TargetStream.close}) and rejects when the
 * socket closes otherwise or goes silent for `deadAfterMs`.
 * @throws Error when the socket cannot be opened or the subscription is refused
 */
export async function openParticipantStream(opts: ParticipantStreamOptions): Promise<TargetStream> {
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const deadAfterMs = opts.deadAfterMs ?? 3 * heartbeatMs;
  const ws = new WebSocket(opts.url, { handshakeTimeout: 10_000 });
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  let finished = false;
  let lastHeard = Date.now();
  let lastLeaver: string | undefined;
  let chain = Promise.resolve();
  const finish = (e?: Error) => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
    if (e) settle.reject(e);
    else settle.resolve();
  };
  const timer = setInterval(() => {
    if (Date.now() - lastHeard > deadAfterMs) {
      ws.terminate();
      finish(new Error(`participant websocket silent for ${Date.now() - lastHeard} ms`));
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ topic: WS_TOPICS.heartbeat }));
  }, heartbeatMs);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    const subscribed = (raw: WebSocket.RawData) => {
      try {
        const m = JSON.parse(raw.toString()) as { topic?: string; content?: { status?: string } };
        if (m.topic !== WS_TOPICS.subscribe) return;
        ws.off('message', subscribed);
        if (m.content?.status === 'success') resolve();
        else reject(new Error(`aws/subscribe refused: ${JSON.stringify(m.content)}`));
      } catch {
        /* not JSON: ignored until the subscription answer */
      }
    };
    ws.once('open', () => {
      ws.on('message', subscribed);
      ws.send(JSON.stringify({ topic: WS_TOPICS.subscribe, content: { topics: [WS_TOPICS.chat] } }));
    });
    ws.once('error', reject);
    ws.once('close', (code) =>
      reject(new Error(`participant websocket closed (${code}) before subscribing`)),
    );
  }).catch((e: Error) => {
    finish(e);
    throw e;
  });

  const handle = (item: ConnectChatItem) => {
    if (item.Type === 'EVENT' && item.ContentType === CONNECT_EVENT.left) lastLeaver = item.ParticipantRole;
    const event = mapChatItem(item, lastLeaver);
    if (!event) return;
    chain = chain
      .then(() => (finished ? undefined : opts.onEvent(item.Id, event)))
      .then(
        () => {
          if (event.kind === 'ended') finish();
        },
        (e: Error) => finish(e),
      );
  };
  if (opts.replay) {
    const replay = opts.replay;
    chain = chain.then(replay).then(
      (items) => items.forEach(handle),
      (e: Error) => finish(new Error(`transcript replay failed: ${e.message}`)),
    );
  }
  ws.on('message', (raw) => {
    lastHeard = Date.now();
    let m: { topic?: string; content?: unknown };
    try {
      m = JSON.parse(raw.toString()) as { topic?: string; content?: unknown };
    } catch {
      return;
    }
    if (m.topic !== WS_TOPICS.chat || typeof m.content !== 'string') return;
    let item: ConnectChatItem;
    try {
      item = JSON.parse(m.content) as ConnectChatItem; // `content` is JSON inside a JSON string
    } catch {
      return;
    }
    // Live items queue behind the replay (the chain is sequential).
    chain = chain.then(() => handle(item));
  });
  ws.on('close', (code) => {
    void chain.then(() => finish(new Error(`participant websocket closed (${code})`)));
  });
  ws.on('error', (e) => finish(e));
  return {
    done,
    close: async () => {
      finish();
      await done.catch(() => undefined);
    },
  };
}
