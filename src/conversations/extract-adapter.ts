// Extraction as the conversation machine expects it: found/missing/invalid, or a rejection
// when the LLM could not answer (the machine then asks field by field). The app reaches the
// LLM only through the MCP client (src/extraction).
import { EXTRACTION_TEXT_LIMIT, type KnownFields } from '../extraction/extraction-schema.ts';
import type { Extractor } from '../extraction/mcp-extractor.ts';
import type { ExtractFn } from './bot-actors.ts';

export class ExtractionUnavailableError extends Error {
  constructor(reason: string) {
    super(`extraction unavailable: ${reason}`);
    this.name = 'ExtractionUnavailableError';
  }
}

export function extractThrough(extractor: Extractor | undefined): ExtractFn {
  return async ({ text, known }) => {
    if (!extractor) throw new ExtractionUnavailableError('no extractor configured');
    const trimmed = text.trim().slice(0, EXTRACTION_TEXT_LIMIT);
    if (!trimmed) throw new ExtractionUnavailableError('empty text');
    const given: KnownFields = {};
    for (const field of ['name', 'phone', 'email', 'reason'] as const) {
      const value = known?.[field];
      if (typeof value === 'string' && value) given[field] = value;
    }
    const report = await extractor.extract({ text: trimmed, known: given });
    if (report.outcome === 'failed') throw new ExtractionUnavailableError(report.failure?.reason ?? 'failed');
    return { found: report.found, missing: report.missing, invalid: report.invalid };
  };
}
