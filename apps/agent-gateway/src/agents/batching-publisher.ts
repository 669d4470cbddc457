import { Topics, type TopicEvent, type TopicKey } from '@hub/contracts';
import { HubProducer, type RawMessage } from '@hub/messaging';

interface Pending {
  message: RawMessage;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for one topic: while a Kafka send is in flight, new events queue up and go out
 * together in the next send (one produce request, acks=-1). With the idempotent producer (one
 * request in flight per connection) a send per event caps a process at ~1/RTT events per second;
 * batching keeps the latency of a single event at one round trip and lifts the rate with load.
 * Each caller's promise settles with its batch. Events are validated before they are queued.
 */
export class BatchingPublisher<K extends TopicKey> {
  private queue: Pending[] = [];
  private sending = false;

  /** @param maxBatch most events per produce request */
  constructor(
    private readonly producer: HubProducer,
    private readonly topic: K,
    private readonly maxBatch = 500,
  ) {}

  /**
   * Validates and publishes one event; resolves once the broker acknowledged its batch.
   * @throws ContractViolationError (synchronously rejected) if the event does not match the topic schema
   */
  publish(event: TopicEvent<K>): Promise<void> {
    let message: RawMessage;
    try {
      message = HubProducer.encode(this.topic, event);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.producer.sendRaw(
            Topics[this.topic].name,
            batch.map((p) => p.message),
          );
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
