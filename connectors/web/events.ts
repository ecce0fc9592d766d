// "Chat X has a new reply": wakes up the SSE streams of that chat, on this replica (embedded)
// or on every replica (Redis pub/sub — the reply may be sent by a worker process while the
// stream is held by an API process). Only a wake-up signal travels; the stream reads the
// replies from the mailbox table, so a lost signal is caught by the stream's periodic poll.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

export interface WebChatEvents {
  notify(chatId: string): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(chatId: string, listener: () => void): () => void;
  close(): Promise<void>;
}


export class LocalWebChatEvents implements WebChatEvents {
  protected readonly emitter = new EventEmitter().setMaxListeners(0);

  async notify(chatId: string): Promise<void> {
    this.emitter.emit(chatId);
  }

  subscribe(chatId: string, listener: () => void): () => void {
    this.emitter.on(chatId, listener);
    return () => this.emitter.off(chatId, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisWebChatEvents extends LocalWebChatEvents {
  private subscribed = false;
  private readonly channel: string;
  private readonly onMessage = (channel: string, chatId: string) => {
    if (channel === this.channel) this.emitter.emit(chatId);
  };

  constructor(
    namespace: string,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    super();
    this.channel = `${namespace}:web-chat:replies`;
  }

  override async notify(chatId: string): Promise<void> {
    try {
      await this.publisher.publish(this.channel, chatId);
    } catch {
      // Redis away: at least this replica's streams hear it; the others poll.
      this.emitter.emit(chatId);
    }
  }

  override subscribe(chatId: string, listener: () => void): () => void {
    if (!this.subscribed) {
      this.subscribed = true;
      this.subscriber.on('message', this.onMessage);
      this.subscriber.subscribe(this.channel).catch(() => {
        this.subscribed = false;
        this.subscriber.off('message', this.onMessage);
      });
    }
    return super.subscribe(chatId, listener);
  }

  override async close(): Promise<void> {
    this.subscriber.off('message', this.onMessage);
    await super.close();
  }
}
