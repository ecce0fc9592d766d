// What the receiver gets: a JSON body built from the contact row as it is when sent (not as
// it was when queued — a later event of the same contact carries the same, newest data), and
// its HMAC-SHA256 signature over the exact bytes sent.
import { createHmac } from 'node:crypto';
import type { ContactRow } from '../contacts/contact-repository.ts';

export type SyncEventName = 'created' | 'updated' | 'deleted' | 'handoff';

export interface SyncDelivery {
  /** The event id: the receiver's idempotency key (X-Atende-Delivery). */
  deliveryId: string;
  event: SyncEventName;
  attempt: number;
  queuedAt: Date;
}

export const SIGNATURE_HEADER = 'x-atende-signature';
export const EVENT_HEADER = 'x-atende-event';
export const DELIVERY_HEADER = 'x-atende-delivery';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function syncPayload(delivery: SyncDelivery, contact: ContactRow, now: Date = new Date()) {
  return {
    deliveryId: delivery.deliveryId,
    event: `contact.${delivery.event}`,
    attempt: delivery.attempt,
    queuedAt: delivery.queuedAt.toISOString(),
    sentAt: now.toISOString(),
    contact: {
      id: contact.id,
      name: contact.name,
      phone: contact.phone,
      email: contact.email,
      reason: contact.reason,
      source: { channel: contact.sourceChannel, chatId: contact.sourceChatId },
      createdBy: contact.createdBy,
      mode: contact.mode,
      consentAt: iso(contact.consentAt),
      createdAt: contact.createdAt.toISOString(),
      updatedAt: contact.updatedAt.toISOString(),
    },
  };
}

/**
 * An LGPD erasure, told to the receiver so it erases its copy too: the id alone — the data
 * is gone here, and a notice must not carry it anyway.
 */
export function deletionPayload(delivery: SyncDelivery, contactId: string, now: Date = new Date()) {
  return {
    deliveryId: delivery.deliveryId,
    event: 'contact.deleted',
    attempt: delivery.attempt,
    queuedAt: delivery.queuedAt.toISOString(),
    sentAt: now.toISOString(),
    contact: { id: contactId },
  };
}

export interface HandoffFacts {
  id: string;
  channel: string;
  status: string;
  contactId: string | null;
  handoffAt: Date;
}

/**
 * `conversation.handoff`: a person asked for (or was passed to) a human. Ids, the channel and
 * the wait only — no name, phone, e-mail, chat id or message text: receivers that need the
 * person read it through the API with staff credentials. `waitSeconds` is how long the person
 * has waited when this attempt is sent (a late retry says so); `status` tells whether the
 * handoff is still open by then.
 */
export function handoffPayload(delivery: SyncDelivery, c: HandoffFacts, now: Date = new Date()) {
  return {
    deliveryId: delivery.deliveryId,
    event: 'conversation.handoff',
    attempt: delivery.attempt,
    queuedAt: delivery.queuedAt.toISOString(),
    sentAt: now.toISOString(),
    conversation: {
      id: c.id,
      channel: c.channel,
      status: c.status,
      contactId: c.contactId,
      handoffAt: c.handoffAt.toISOString(),
      waitSeconds: Math.max(0, Math.floor((now.getTime() - c.handoffAt.getTime()) / 1000)),
    },
  };
}

/** The X-Atende-Event value of a queued event. */
export const eventHeader = (event: SyncEventName) => (event === 'handoff' ? 'conversation.handoff' : `contact.${event}`);

/** `sha256=<hex>` of HMAC-SHA256(secret, body) — the X-Atende-Signature value. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
