import type { FastifyError, FastifyInstance } from 'fastify';

/** The one error body shape of every app: `{error, field?, ...}`. */
export interface ErrorBody {
  error: string;
  field?: string;
  [extra: string]: unknown;
}

interface ValidationIssue {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** One problem of a request, as the error body's `details` lists it. */
export interface IssueDetail {
  field: string | undefined;
  message: string;
}

/** Names the field an Ajv validation issue is about ("title", "limit", "target.url"). */
export function fieldOf(issue: ValidationIssue): string | undefined {
  const fromPath = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const missing = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof missing === 'string') return fromPath ? `${fromPath}.${missing}` : missing;
  return fromPath || undefined;
}

/**
 * The problems of a failed validation, one per field and message, in Ajv's order. A value outside
 * a union of constants (TypeBox's Type.Union of literals: a task's status, a profile's id) fails
 * every branch and then the union: "must be string", "must be equal to constant" once per branch,
 * "must match a schema in anyOf", none of which says what is allowed. Those become one
 * `must be one of "pending", "in_progress", "done"`. A union with a branch that is not a constant
 * (a literal or a number) is left as Ajv words it: listing its constants would hide the rest.
 */
export function describeIssues(issues: readonly ValidationIssue[]): IssueDetail[] {
  // Per anyOf (its schemaPath): the constant of each failing branch, undefined for other branches.
  const unions = new Map<string, Map<string, unknown>>();
  for (const issue of issues) if (issue.keyword === 'anyOf' && issue.schemaPath) unions.set(issue.schemaPath, new Map());
  const unionOf = (issue: ValidationIssue) => [...unions.keys()].find((u) => issue.schemaPath?.startsWith(`${u}/`));
  for (const issue of issues) {
    const u = unionOf(issue);
    if (!u || !issue.schemaPath) continue;
    const branch = issue.schemaPath.slice(u.length + 1).split('/')[0] ?? '';
    const branches = unions.get(u) as Map<string, unknown>;
    if (issue.keyword === 'const') branches.set(branch, issue.params?.allowedValue);
    else if (!branches.has(branch)) branches.set(branch, undefined);
  }
  const choicesOf = (u: string | undefined): string | undefined => {
    const values = u === undefined ? [] : [...(unions.get(u)?.values() ?? [])];
    if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
    return `must be one of ${[...new Set(values)].map((v) => JSON.stringify(v)).join(', ')}`;
  };
  const details: IssueDetail[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const message = choicesOf(issue.keyword === 'anyOf' ? issue.schemaPath : unionOf(issue)) ?? issue.message ?? 'is invalid';
    const field = fieldOf(issue);
    const key = `${field ?? ''}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push({ field, message });
  }
  return details;
}

/**
 * JSON errors for every failure: schema validation names the field (400), malformed JSON is 400,
 * an oversized body 413, unknown routes 404, and only real faults are 500 (logged, not echoed).
 */
export function registerJsonErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation && err.validation.length > 0) {
      const details = describeIssues(err.validation as ValidationIssue[]);
      const { field, message } = details[0] as IssueDetail;
      const where = err.validationContext === 'body' ? '' : ` (${err.validationContext})`;
      const body: ErrorBody = {
        error: `${field ?? err.validationContext ?? 'request'}${where}: ${message}`,
        ...(field ? { field } : {}),
        details,
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
