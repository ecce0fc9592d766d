// Typed errors with a stable code, thrown by services, repositories and connectors. They say
// what went wrong in the domain's terms — a `kind` and a specific `code` — and nothing about
// transport: src/http/error-status.ts maps kinds to HTTP statuses once, for the problem+json
// handler and for the MCP tools' error results alike.

export type ErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'unprocessable' | 'rate-limited' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable, specific, part of the API (`duplicate-phone`, `llm-unavailable`…). */
    readonly code: string,
    readonly title: string,
    detail: string,
    /** Extra members for the client (e.g. `field`, `existingContactId`). Never PII. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(detail: string, errors: { field: string; code?: string; message: string }[]) {
    super('invalid', 'validation', 'Invalid request', detail, { errors });
  }
  static field(field: string, message: string, code?: string) {
    return new ValidationError(`${field}: ${message}`, [{ field, message, ...(code ? { code } : {}) }]);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail = 'a valid bearer token is required') {
    super('unauthenticated', 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail = 'your role may not do this') {
    super('forbidden', 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super('not-found', 'not-found', 'Not found', `${entity} ${id} does not exist`, { entity });
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, detail: string, extra: Record<string, unknown> = {}) {
    super('conflict', code, 'Conflict', detail, extra);
  }
}

export class UnprocessableError extends DomainError {
  constructor(code: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
    super('unprocessable', code, title, detail, extra);
  }
}

/** Too many attempts: with the seconds to wait (sent as Retry-After over HTTP). */
export class TooManyRequestsError extends DomainError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate-limited', 'rate-limited', 'Too Many Requests', detail, { retryAfter: retryAfterSeconds });
  }
}

/** Not possible right now (a dependency down, a capacity reached, a resource not ready). */
export class UnavailableError extends DomainError {
  constructor(detail: string, retryAfterSeconds?: number, code = 'unavailable', title = 'Service unavailable') {
    super('unavailable', code, title, detail, retryAfterSeconds ? { retryAfter: retryAfterSeconds } : {});
  }
}
