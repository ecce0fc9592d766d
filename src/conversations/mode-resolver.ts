// Who is talking, decided when a conversation starts: a staff member registering someone
// (attendant mode) or a person registering themself (contact mode). Staff are recognized by
// a web session opened with their access token, or by a chat identity (channel + address)
// on their user. One query either way.
import type { UserRepository } from '../users/user-repository.ts';

export interface ModeDecision {
  mode: 'contact' | 'attendant';
  attendantUserId: string | null;
}

export interface SenderOfMessage {
  channel: string;
  senderId: string;
  senderPhone: string | null;
  senderUsername?: string | null;
  staffUserId: string | null;
}

export class ModeResolver {
  constructor(private readonly users: UserRepository) {}

  async resolve(sender: SenderOfMessage): Promise<ModeDecision> {
    const addresses = [sender.senderPhone, sender.senderId, sender.senderUsername].filter((a): a is string => !!a);
    // The session outlives the access token that opened it: a user deleted or disabled since
    // then no longer registers contacts as staff, and neither do their chat identities.
    const userId = await this.users.staffFor(sender.staffUserId, sender.channel, addresses);
    return userId ? { mode: 'attendant', attendantUserId: userId } : { mode: 'contact', attendantUserId: null };
  }
}
