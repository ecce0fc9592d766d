// Where long polling resumes: the next update_id to ask for, in channel_state (channel
// 'telegram', the bot id, key 'offset'). Written only after the updates before it were stored
// by the intake, so a crash re-fetches them (Telegram keeps unconfirmed updates for 24 h)
// and the intake's dedupe absorbs what had already been stored.
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import { TELEGRAM_CHANNEL } from './normalize.ts';

const KEY = 'offset';

export class TelegramOffsetStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly botId: string,
  ) {}

  /** The saved offset, or undefined before the first poll (Telegram then starts at the oldest unconfirmed update). */
  async load(): Promise<number | undefined> {
    const row = await this.prisma.channelState.findUnique({ where: { channel_accountId_key: { channel: TELEGRAM_CHANNEL, accountId: this.botId, key: KEY } } });
    const value = row ? Number(row.value) : NaN;
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  }

  async save(offset: number): Promise<void> {
    const where = { channel_accountId_key: { channel: TELEGRAM_CHANNEL, accountId: this.botId, key: KEY } };
    await this.prisma.channelState.upsert({ where, create: { channel: TELEGRAM_CHANNEL, accountId: this.botId, key: KEY, value: String(offset) }, update: { value: String(offset) } });
  }
}
