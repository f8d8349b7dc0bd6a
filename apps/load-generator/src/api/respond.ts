import type { FastifyReply } from 'fastify';
import { InputError } from '../errors.js';

/** Sends an InputError as `{error, field?}` with its status; anything else is rethrown (→ 500). */
export function sendInputError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof InputError) {
    return reply.code(err.statusCode).send({ error: err.message, ...(err.field ? { field: err.field } : {}) });
  }
  throw err;
}
