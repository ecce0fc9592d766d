// Contact tools for AI assistants: thin adapters over ContactService, so validation, the
// duplicate-phone rule and the audit trail are exactly the REST API's. Every call is audited
// by the service under the actor "mcp", with the client's IP (HTTP transport) and a request
// id of our own — the JSON-RPC id is the client's choice, so it never names an audit entry.
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AuditContext } from '../audit/audit-log.ts';
import { contactFiltersSchema } from '../contacts/contact-filters.ts';
import { contactDtoSchema, contactPageSchema, explicitContactSchema } from '../contacts/contact-schemas.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import type { Logger } from '../observability/logger.ts';
import { structured, toolError } from './tool-results.ts';

/** Smaller pages than the REST API: an assistant's context window is the limit here. */
export const MCP_MAX_PAGE = 50;

export const MCP_SOURCE = { channel: 'mcp', mode: 'api', createdBy: 'mcp' } as const;

/** Who is calling, as the transport knows it (HTTP: one per request; stdio: none). */
export interface McpClient {
  /** The peer address of the HTTP request. */
  ip?: string | null;
  /** The server's id of the HTTP request. */
  requestId?: string;
}

function auditContext(client: McpClient | undefined): AuditContext {
  return { actorId: 'mcp', actorRole: 'mcp', requestId: client?.requestId ?? randomUUID(), ip: client?.ip ?? null };
}

const searchInputSchema = contactFiltersSchema.extend({
  limit: z.number().int().min(1).max(MCP_MAX_PAGE).default(20).describe(`page size, at most ${MCP_MAX_PAGE}`),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export function registerContactTools(server: McpServer, contacts: ContactService, logger?: Logger, client?: McpClient): void {
  server.registerTool(
    'search_contacts',
    {
      title: 'Search contacts',
      description: 'Lists registered contacts, newest first. `q` matches name, e-mail or phone (accent- and case-insensitive).',
      inputSchema: searchInputSchema,
      outputSchema: contactPageSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ limit, cursor, ...filters }) => {
      try {
        return structured(await contacts.list(filters, { limit, cursor }, auditContext(client)));
      } catch (err) {
        return toolError(err, logger);
      }
    },
  );

  server.registerTool(
    'get_contact',
    {
      title: 'Get a contact',
      description: 'One contact by id.',
      inputSchema: z.object({ id: z.uuid() }),
      outputSchema: contactDtoSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      try {
        return structured(await contacts.get(id, auditContext(client)));
      } catch (err) {
        return toolError(err, logger);
      }
    },
  );

  server.registerTool(
    'create_contact',
    {
      title: 'Register a contact',
      description:
        'Creates a contact from explicit fields. The phone is normalized to E.164 (Brazil by default). ' +
        'A phone already registered fails with code "duplicate-phone" and the existingContactId.',
      inputSchema: explicitContactSchema,
      outputSchema: contactDtoSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (input) => {
      try {
        return structured(await contacts.create(input, MCP_SOURCE, auditContext(client)));
      } catch (err) {
        return toolError(err, logger);
      }
    },
  );
}
