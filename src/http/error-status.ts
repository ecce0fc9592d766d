// The one mapping from domain error kinds to HTTP statuses (RFC 9110), used by the
// problem+json handler and by the MCP tools' error results (which carry the status too).
import type { DomainError, ErrorKind } from '../domain/errors.ts';

export const PROBLEM_BASE = 'https://atende.dev/problems/';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
};

export const httpStatusOf = (error: DomainError): number => STATUS[error.kind];
