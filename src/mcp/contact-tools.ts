// Contact tools for AI assistants: thin adapters over ContactService, so validation, the
// duplicate-phone rule and the audit trail are exactly the REST API's. Every call is audited
// by the service under the actor "mcp".
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

function auditContext(requestId: string | number): AuditContext {
  return { actorId: 'mcp', actorRole: 'mcp', requestId: `mcp-${String(requestId)}`.slice(0, 64) };
}

const searchInputSchema = contactFiltersSchema.extend({
  limit: z.number().int().min(1).max(MCP_MAX_PAGE).default(20).describe(`page size, at most ${MCP_MAX_PAGE}`),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

export function registerContactTools(server: McpServer, contacts: ContactService, logger?: Logger): void {
  server.registerTool(
    'search_contacts',
    {
      title: 'Search contacts',
      description: 'Lists registered contacts, newest first. `q` matches name, e-mail or phone (accent- and case-insensitive).',
      inputSchema: searchInputSchema,
      outputSchema: contactPageSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ limit, cursor, ...filters }, extra) => {
      try {
        return structured(await contacts.list(filters, { limit, cursor }, auditContext(extra.requestId)));
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
    async ({ id }, extra) => {
      try {
        return structured(await contacts.get(id, auditContext(extra.requestId)));
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
    async (input, extra) => {
      try {
        return structured(await contacts.create(input, MCP_SOURCE, auditContext(extra.requestId)));
      } catch (err) {
        return toolError(err, logger);
      }
    },
  );
}
