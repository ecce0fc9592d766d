// "Chat X has a new reply": wakes up the SSE streams of that chat, on this replica (embedded)
// or on every replica (Redis pub/sub — the reply may be sent by a worker process while the
// stream is held by an API process). Only a wake-up signal travels; the stream reads the
// replies from the mailbox table, so a lost signal is caught by the stream's periodic poll.
// "The bot is typing in chat X" travels the same way, on its own Redis channel; it is not
// stored anywhere: a stream that misses it just shows no "digitando…" for that turn.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/** What a chat's streams hear: a new reply in the mailbox, or the bot starting/stopping a turn. */
export type WebChatSignal = { kind: 'reply' } | { kind: 'typing'; typing: boolean };

export interface WebChatEvents {
  notify(chatId: string): Promise<void>;
  typing(chatId: string, typing: boolean): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(chatId: string, listener: (signal: WebChatSignal) => void): () => void;
  close(): Promise<void>;
}

const REPLY: WebChatSignal = { kind: 'reply' };

export class LocalWebChatEvents implements WebChatEvents {
  protected readonly emitter = new EventEmitter().setMaxListeners(0);

  async notify(chatId: string): Promise<void> {
    this.emitter.emit(chatId, REPLY);
  }

  async typing(chatId: string, typing: boolean): Promise<void> {
    this.emitter.emit(chatId, { kind: 'typing', typing } satisfies WebChatSignal);
  }

  subscribe(chatId: string, listener: (signal: WebChatSignal) => void): () => void {
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
  private readonly typingChannel: string;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === this.channel) this.emitter.emit(message, REPLY);
    // "1:<chatId>" starts, "0:<chatId>" stops.
    else if (channel === this.typingChannel) this.emitter.emit(message.slice(2), { kind: 'typing', typing: message.startsWith('1:') } satisfies WebChatSignal);
  };

  constructor(
    namespace: string,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    super();
    this.channel = `${namespace}:web-chat:replies`;
    this.typingChannel = `${namespace}:web-chat:typing`;
  }

  override async notify(chatId: string): Promise<void> {
    try {
      await this.publisher.publish(this.channel, chatId);
    } catch {
      // Redis away: at least this replica's streams hear it; the others poll.
      this.emitter.emit(chatId, REPLY);
    }
  }

  override async typing(chatId: string, typing: boolean): Promise<void> {
    try {
      await this.publisher.publish(this.typingChannel, `${typing ? 1 : 0}:${chatId}`);
    } catch {
      await super.typing(chatId, typing);
    }
  }

  override subscribe(chatId: string, listener: (signal: WebChatSignal) => void): () => void {
    if (!this.subscribed) {
      this.subscribed = true;
      this.subscriber.on('message', this.onMessage);
      this.subscriber.subscribe(this.channel, this.typingChannel).catch(() => {
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
