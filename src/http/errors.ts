// Typed errors with a stable code. Domain code throws these; one Fastify error handler
// (problem.ts) turns them into RFC 9457 application/problem+json.

export const PROBLEM_BASE = 'https://atende.dev/problems/';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    /** Extra problem members (e.g. `field`, `existingContactId`). Never PII. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: { field: string; code?: string; message: string }[]) {
    super(400, 'validation', 'Invalid request', detail, { errors });
  }
  static field(field: string, message: string, code?: string) {
    return new ValidationError(`${field}: ${message}`, [{ field, message, ...(code ? { code } : {}) }]);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'a valid bearer token is required') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'your role may not do this') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, id: string) {
    super(404, 'not-found', 'Not found', `${entity} ${id} does not exist`, { entity });
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string, extra: Record<string, unknown> = {}) {
    super(409, code, 'Conflict', detail, extra);
  }
}

export class UnprocessableError extends AppError {
  constructor(code: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
    super(422, code, title, detail, extra);
  }
}

/** 429 with the seconds to wait; the problem handler also sends them as Retry-After. */
export class TooManyRequestsError extends AppError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'rate-limited', 'Too Many Requests', detail, { retryAfter: retryAfterSeconds });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail: string, retryAfterSeconds?: number) {
    super(503, 'unavailable', 'Service unavailable', detail, retryAfterSeconds ? { retryAfter: retryAfterSeconds } : {});
  }
}
