// atende's MCP server: extraction for the app itself, contact tools for AI assistants. A new
// server is cheap (tools are closures over shared services), which the stateless HTTP
// transport relies on: one server per request.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContactService } from '../contacts/contact-service.ts';
import type { ContactExtractor } from '../extraction/contact-extractor.ts';
import type { Logger } from '../observability/logger.ts';
import { type McpClient, registerContactTools } from './contact-tools.ts';
import { registerExtractTool } from './extract-tool.ts';

export interface McpServerDeps {
  extractor: ContactExtractor;
  /** Without it only `extract_contact` is offered (e.g. a standalone server with no database). */
  contacts?: ContactService;
  logger?: Logger;
  version: string;
}

export function createMcpServer(deps: McpServerDeps, client?: McpClient): McpServer {
  const server = new McpServer(
    { name: 'atende', version: deps.version },
    { instructions: 'Contact intake of atende: extract contact fields from PT-BR chat text; search, read and register contacts.' },
  );
  registerExtractTool(server, deps.extractor, deps.logger);
  if (deps.contacts) registerContactTools(server, deps.contacts, deps.logger, client);
  return server;
}
