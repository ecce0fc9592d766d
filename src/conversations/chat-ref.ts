// A chat is identified by channel + bot account + the provider's chat id; the lock, the
// queue kick and the inbox drain all work per chat.

export interface ChatRef {
  channel: string;
  accountId: string;
  chatId: string;
}

/** A stable string form (the lock resource and the queue payload). */
export function chatKeyOf(chat: ChatRef): string {
  return JSON.stringify([chat.channel, chat.accountId, chat.chatId]);
}

export function parseChatKey(key: string): ChatRef | undefined {
  try {
    const parsed: unknown = JSON.parse(key);
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((p) => typeof p === 'string')) {
      const [channel, accountId, chatId] = parsed as [string, string, string];
      return { channel, accountId, chatId };
    }
  } catch {
    // fall through: not a chat key
  }
  return undefined;
}
