// The one place errors become HTTP responses: RFC 9457 problem+json, no stack traces, and
// no details of 5xx errors (they are logged, masked, with the request id to find them).
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError } from '../domain/errors.ts';
import { httpStatusOf, PROBLEM_BASE } from './error-status.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  requestId: string;
  [member: string]: unknown;
}

export interface ProblemInput {
  status: number;
  code: string;
  title: string;
  detail?: string;
  [member: string]: unknown;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, p: ProblemInput) {
  const body: Problem = { type: `${PROBLEM_BASE}${p.code}`, ...p, instance: request.url.split('?')[0], requestId: request.id };
  // A client told how long to wait (429, 503) should also be told in the standard header.
  if (typeof p.retryAfter === 'number' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(p.retryAfter));
  return reply.code(p.status).type('application/problem+json').send(body);
}

/** "/phone" → "phone", "/identities/0/channel" → "identities.0.channel". */
function fieldOf(instancePath: string | undefined): string {
  return (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
}

export function registerProblemHandlers(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, { status: 404, code: 'not-found', title: 'Not found', detail: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) {
      return sendProblem(reply, request, { status: httpStatusOf(error), code: error.code, title: error.title, detail: error.message, ...error.extra });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.map((v) => ({ field: fieldOf(v.instancePath) || where, message: v.message ?? 'invalid' }));
      return sendProblem(reply, request, {
        status: 400,
        code: 'validation',
        title: 'Invalid request',
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, request, { status: 500, code: 'internal', title: 'Internal error', detail: 'something went wrong on our side; quote the requestId when reporting it' });
    }
    // Fastify's own 4xx (body too large, bad JSON, rate limit, unsupported media type): the
    // title is the status's reason phrase — error.name is a class name ("FastifyError").
    const code = status === 429 ? 'rate-limited' : status === 413 ? 'body-too-large' : 'bad-request';
    return sendProblem(reply, request, { status, code, title: STATUS_CODES[status] ?? 'Bad Request', detail: error.message });
  });
}
