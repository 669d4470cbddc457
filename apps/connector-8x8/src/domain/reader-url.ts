/** What a reader needs to know to open the 8x8 Event Streaming WebSocket. */
export interface ReaderEndpoint {
  scheme: 'wss' | 'ws';
  /** `pulsar-ws-euw2.8x8.com`, or `127.0.0.1:PORT` for a local server. */
  host: string;
  /** 8x8 tenant name (topic path `persistent/{tenant}/event-v1/all`). */
  eightByEightTenant: string;
  receiverQueueSize: number;
}

/** Start position: after a stored message id, or `earliest` / `latest` when there is none. */
export type ReaderPosition = { after: string } | 'earliest' | 'latest';

/**
 * Builds the Pulsar WebSocket reader URL for the tenant's all-events topic:
 * `{scheme}://{host}/ws/v2/reader/persistent/{tenant}/event-v1/all?messageId=…&receiverQueueSize=…`.
 * A stored message id is URL-encoded (base64 has `+`, `/`, `=`); the reader delivers messages
 * strictly after it, so resuming from the last processed id neither skips nor repeats one.
 */
export function buildReaderUrl(endpoint: ReaderEndpoint, position: ReaderPosition): string {
  const tenant = encodeURIComponent(endpoint.eightByEightTenant);
  const messageId = typeof position === 'string' ? position : position.after;
  const query = new URLSearchParams({
    messageId,
    receiverQueueSize: String(endpoint.receiverQueueSize),
  });
  return `${endpoint.scheme}://${endpoint.host}/ws/v2/reader/persistent/${tenant}/event-v1/all?${query.toString()}`;
}
