import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type BuildValidator = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildValidator']>;

/**
 * Fastify's `schemaController` option that types JSON bodies strictly while query strings, path
 * parameters and headers still coerce. Fastify's one Ajv coerces everywhere (`coerceTypes: 'array'`),
 * so `{"title": 12345}` would become "12345" and `{"done": "yes"}` … anything; a JSON body already
 * carries its types, and a wrong one is the client's mistake (400 naming the field), while `?limit=5`
 * can only ever arrive as text. Two validators from Fastify's own compiler (same defaults, formats and
 * shared schemas), picked per part of the request.
 */
export function strictBodySchemaController(): SchemaController {
  const pool = AjvCompiler();
  const buildValidator: BuildValidator = (externalSchemas, ajvOptions) => {
    // Fastify passes its `ajv` server option ({customOptions, plugins}); the typings of the two
    // packages describe it differently, hence the casts.
    const options = (ajvOptions ?? {}) as { customOptions?: Record<string, unknown> };
    const coercing = pool(externalSchemas, options as never);
    const strict = pool(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } } as never);
    return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
  };
  return { compilersFactory: { buildValidator } };
}
