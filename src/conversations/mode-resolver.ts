// Who is talking, decided when a conversation starts: a staff member registering someone
// (attendant mode) or a person registering themself (contact mode). Staff are recognized by
// a web session opened with their access token, or by a chat identity (channel + address)
// on their user.
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface ModeDecision {
  mode: 'contact' | 'attendant';
  attendantUserId: string | null;
}

export interface SenderOfMessage {
  channel: string;
  senderId: string;
  senderPhone: string | null;
  staffUserId: string | null;
}

export class ModeResolver {
  constructor(private readonly prisma: PrismaClient) {}

  async resolve(sender: SenderOfMessage): Promise<ModeDecision> {
    if (sender.staffUserId) {
      // The session outlives the access token that opened it: a user deleted since then
      // no longer registers contacts as staff.
      const user = await this.prisma.user.findUnique({ where: { id: sender.staffUserId }, select: { id: true } });
      if (user) return { mode: 'attendant', attendantUserId: user.id };
    }
    const addresses = [sender.senderPhone, sender.senderId].filter((a): a is string => !!a);
    const identity = await this.prisma.chatIdentity.findFirst({
      where: { channel: sender.channel, address: { in: addresses } },
      select: { userId: true },
    });
    return identity ? { mode: 'attendant', attendantUserId: identity.userId } : { mode: 'contact', attendantUserId: null };
  }
}
