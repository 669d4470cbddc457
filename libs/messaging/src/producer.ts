import { Partitioners, type Kafka, type Producer, type IHeaders, type Message } from 'kafkajs';
import { Topics, encodeEvent, type TopicEvent, type TopicKey } from '@hub/contracts';
import type { TopicNamer } from './kafka-client';

/** A message ready for the wire (already validated), e.g. from the outbox relay. */
export interface RawMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

/**
 * Typed, validating Kafka producer: idempotent (exactly-once per partition within a producer
 * session), acks from all in-sync replicas (`acks: -1`), no batching delay.
 */
export class HubProducer {
  private readonly producer: Producer;
  private connected = false;
  private failingSince?: number;
  private lastError?: string;

  constructor(
    kafka: Kafka,
    private readonly namer: TopicNamer,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 like the Java client, so keys land on the same partitions as other-language producers
      createPartitioner: Partitioners.DefaultPartitioner,
      // A broker restart: retry a send for ~20 s (then the caller — the outbox relay — backs off and retries),
      // at most 1 s apart so that a returned broker is used within a second (a 3 s cap left sends waiting).
      retry: { initialRetryTime: 200, maxRetryTime: 1000, retries: 22 },
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      // kafkajs reconnects on the next send; note it only if we did not ask for it.
      if (this.connected) this.lastError ??= 'disconnected';
    });
  }

  /**
   * Readiness: ok unless the last send failed (and none succeeded since). kafkajs reconnects by itself on
   * the next send after a broker restart.
   */
  health(): { ok: boolean; reason?: string } {
    if (!this.connected) return { ok: false, reason: 'not connected' };
    if (this.failingSince !== undefined)
      return {
        ok: false,
        reason: `sends failing for ${Date.now() - this.failingSince} ms: ${this.lastError}`,
      };
    return { ok: true };
  }

  private async track<T>(send: () => Promise<T>): Promise<T> {
    try {
      const r = await send();
      this.failingSince = undefined;
      this.lastError = undefined;
      return r;
    } catch (e) {
      this.failingSince ??= Date.now();
      this.lastError = (e as Error).message;
      throw e;
    }
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }

  /**
   * Validates `event` against the topic schema and returns the wire message (key + JSON).
   * @throws ContractViolationError naming the offending fields
   */
  static encode<K extends TopicKey>(topic: K, event: TopicEvent<K>): RawMessage {
    const { key, value, headers } = encodeEvent(topic, event);
    return { key, value, headers };
  }

  /**
   * Validates and publishes events of one topic (in order, one request).
   * @throws ContractViolationError before anything is sent if any event is invalid
   */
  async publish<K extends TopicKey>(topic: K, ...events: TopicEvent<K>[]): Promise<void> {
    const messages = events.map((e) => HubProducer.encode(topic, e));
    await this.sendRaw(Topics[topic].name, messages);
  }

  /** Sends pre-encoded messages to a catalogue topic name (namespace applied here). acks=-1. */
  async sendRaw(topicName: string, messages: RawMessage[]): Promise<void> {
    if (!messages.length) return;
    await this.track(() =>
      this.producer.send({
        topic: this.namer.physical(topicName),
        acks: -1,
        messages: messages.map((m): Message => ({
          key: m.key,
          value: m.value,
          headers: m.headers as IHeaders,
        })),
      }),
    );
  }

  /** Sends to several topics in one round trip (used by the outbox relay). */
  async sendBatch(batch: { topicName: string; messages: RawMessage[] }[]): Promise<void> {
    const topicMessages = batch
      .filter((b) => b.messages.length)
      .map((b) => ({
        topic: this.namer.physical(b.topicName),
        messages: b.messages.map((m): Message => ({
          key: m.key,
          value: m.value,
          headers: m.headers as IHeaders,
        })),
      }));
    if (topicMessages.length) await this.track(() => this.producer.sendBatch({ acks: -1, topicMessages }));
  }
}
