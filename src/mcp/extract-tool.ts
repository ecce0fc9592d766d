// The `extract_contact` tool: free text (+ fields already known) in, a validated report out.
// It reads no stored data, so it writes no audit entry; the text is never logged.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ContactExtractor } from '../extraction/contact-extractor.ts';
import { extractInputSchema, extractionReportSchema } from '../extraction/extraction-schema.ts';
import type { Logger } from '../observability/logger.ts';
import { structured, toolError } from './tool-results.ts';

export function registerExtractTool(server: McpServer, extractor: ContactExtractor, logger?: Logger): void {
  server.registerTool(
    'extract_contact',
    {
      title: 'Extract contact fields from a message',
      description:
        'Reads a PT-BR chat message and returns the contact fields found (name, phone in E.164, e-mail in lower case, reason), ' +
        'validated; refused values are listed in `invalid` and counted as `missing`. Fields in `known` are kept as given. ' +
        'When the LLM is unavailable the result has outcome "failed" (isError) and the known fields only.',
      inputSchema: extractInputSchema,
      outputSchema: extractionReportSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const report = await extractor.extract(input);
        return structured(report, report.outcome === 'failed');
      } catch (err) {
        return toolError(err, logger);
      }
    },
  );
}
