// Who is who in the handoff inbox: staff (claims, authors of staff messages) by user id
// (UserRepository.staffRefs), and the person waiting (name and phone when known) by
// conversation (ConversationStore.peopleOf) — for the queue and the console's live events,
// both read by staff only.

export interface StaffRef {
  id: string;
  email: string;
  name?: string;
}

export interface PersonRef {
  name?: string;
  phone?: string;
}
