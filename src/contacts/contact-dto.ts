// Database rows → the shapes the API (and MCP tools, and the bot) hand out.
import type { ContactRow } from './contact-repository.ts';
import type { ContactDto, ContactMode, PortabilityDocument } from './contact-schemas.ts';
import { readProvenance } from './provenance.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toContactDto(row: ContactRow): ContactDto {
  return {
    id: row.id,
    protocol: row.protocol,
    name: row.name,
    phone: row.phone,
    email: row.email,
    reason: row.reason,
    source: { channel: row.sourceChannel, chatId: row.sourceChatId },
    createdBy: row.createdBy,
    mode: row.mode as ContactMode,
    consentAt: iso(row.consentAt),
    sync: { status: row.syncStatus, error: row.syncError, syncedAt: iso(row.syncedAt) },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    provenance: readProvenance(row.provenance),
  };
}

export interface AuditTrailEntry {
  at: Date;
  action: string;
  actorId: string | null;
  actorRole: string | null;
}

export interface UpdateRequestEntry {
  protocol: string;
  name: string;
  phone: string;
  email: string | null;
  reason: string;
  sourceChannel: string;
  status: string;
  createdAt: Date;
  decidedAt: Date | null;
}

export function toPortabilityDocument(
  row: ContactRow,
  trail: AuditTrailEntry[],
  conversations: PortabilityDocument['conversations'] = [],
  requests: UpdateRequestEntry[] = [],
  now = new Date(),
): PortabilityDocument {
  return {
    document: 'atende.contact-data',
    version: 1,
    generatedAt: now.toISOString(),
    contactId: row.id,
    personalData: { name: row.name, phone: row.phone, email: row.email, reason: row.reason },
    provenance: readProvenance(row.provenance),
    collection: {
      collectedAt: row.createdAt.toISOString(),
      channel: row.sourceChannel,
      chatId: row.sourceChatId,
      mode: row.mode as ContactMode,
      collectedBy: row.createdBy,
      consent: { given: row.consentAt !== null, at: iso(row.consentAt) },
    },
    lastUpdatedAt: row.updatedAt.toISOString(),
    sharing: { sync: { status: row.syncStatus, error: row.syncError, syncedAt: iso(row.syncedAt) } },
    updateRequests: requests.map((r) => ({
      protocol: r.protocol,
      proposed: { name: r.name, phone: r.phone, email: r.email, reason: r.reason },
      channel: r.sourceChannel,
      status: r.status,
      createdAt: r.createdAt.toISOString(),
      decidedAt: iso(r.decidedAt),
    })),
    // IPs and request ids stay out: they are the staff's data, not the contact's.
    accessLog: trail.map((e) => ({ at: e.at.toISOString(), action: e.action, actorId: e.actorId, actorRole: e.actorRole })),
    conversations,
  };
}
