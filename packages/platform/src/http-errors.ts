import type { FastifyError, FastifyInstance } from 'fastify';

/** The one error body shape of every app: `{error, field?, ...}`. */
export interface ErrorBody {
  error: string;
  field?: string;
  [extra: string]: unknown;
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Names the field an Ajv validation issue is about ("title", "limit", "target.url"). */
export function fieldOf(issue: ValidationIssue): string | undefined {
  const fromPath = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof missing === 'string') return fromPath ? `${fromPath}.${missing}` : missing;
  return fromPath || undefined;
}

/**
 * JSON errors for every failure: schema validation names the field (400), malformed JSON is 400,
 * an oversized body 413, unknown routes 404, and only real faults are 500 (logged, not echoed).
 */
export function registerJsonErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation && err.validation.length > 0) {
      const issue = err.validation[0] as ValidationIssue;
      const field = fieldOf(issue);
      const where = err.validationContext === 'body' ? '' : ` (${err.validationContext})`;
      const body: ErrorBody = {
        error: `${field ?? err.validationContext ?? 'request'}${where}: ${issue.message ?? 'is invalid'}`,
        ...(field ? { field } : {}),
        details: err.validation.map((v) => ({ field: fieldOf(v as ValidationIssue), message: v.message })),
      };
      return reply.code(400).send(body);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ error: 'Request body is too large' });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ error: `Unsupported content type: ${request.headers['content-type'] ?? 'none'}` });
    }
    if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.code(400).send({ error: `Malformed JSON body: ${err.message}` });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Input errors the apps throw themselves may name their field, as validation errors do.
      const field = (err as { field?: unknown }).field;
      return reply.code(status).send({ error: err.message, ...(typeof field === 'string' && field ? { field } : {}) });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(status >= 500 ? status : 500).send({ error: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `Not found: ${request.method} ${request.url.split('?')[0]}` });
  });
}
