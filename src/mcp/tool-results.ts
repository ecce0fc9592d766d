// How tool answers look on the wire: structured content (checked against the tool's output
// schema) with the same JSON as text for clients that read only text, and errors as
// `isError` results carrying a stable code — never a stack trace or a stored value.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '../domain/errors.ts';
import { httpStatusOf } from '../http/error-status.ts';
import type { Logger } from '../observability/logger.ts';

export function structured(content: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(content) }], structuredContent: content, ...(isError ? { isError: true } : {}) };
}

/** A typed error as a tool error: code, status and the problem's extra members (never PII). */
export function toolError(err: unknown, logger?: Logger): CallToolResult {
  const problem =
    err instanceof DomainError
      ? { code: err.code, status: httpStatusOf(err), title: err.title, detail: err.message, ...err.extra }
      : { code: 'internal', status: 500, title: 'Internal error', detail: 'the tool failed on the server side' };
  if (!(err instanceof DomainError)) logger?.error({ err }, 'MCP tool failed');
  return { content: [{ type: 'text', text: JSON.stringify(problem) }], isError: true };
}
