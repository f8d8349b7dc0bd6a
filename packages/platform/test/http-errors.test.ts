import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerJsonErrors, strictBodySchemaController } from '@o11y/platform';

// A real Fastify app with TypeBox schemas and the apps' strict body validation: the issues are Ajv's own.
describe('validation errors', () => {
  const app = Fastify({ schemaController: strictBodySchemaController() });
  beforeAll(async () => {
    registerJsonErrors(app);
    const body = Type.Object({
      name: Type.String({ minLength: 2 }),
      level: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('high')])),
      note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      count: Type.Optional(Type.Integer({ minimum: 1 })),
      threads: Type.Optional(Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1 })])),
    });
    app.post('/things', { schema: { body } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(() => app.close());
  const post = (payload: object) => app.inject({ method: 'POST', url: '/things', payload });

  it('names the allowed values of a union of constants, once', async () => {
    const res = await post({ name: 'ok', level: 'medium' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'level: must be one of "low", "high"',
      field: 'level',
      details: [{ field: 'level', message: 'must be one of "low", "high"' }],
    });
  });

  it.each([
    ['a union of types (no constants to list), JSON bodies typed strictly', { note: 5 }, 'note', ['must be string', 'must be null']],
    ['a union that also takes something else', { threads: 'many' }, 'threads', ['must be equal to constant', 'must be integer']],
  ] as const)('leaves %s as Ajv says it', async (_what, body, field, branches) => {
    const res = await post({ name: 'ok', ...body });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
    expect(res.json().details).toEqual([...branches, 'must match a schema in anyOf'].map((message) => ({ field, message })));
  });

  it('names a missing property and a bound as before', async () => {
    expect((await post({})).json()).toMatchObject({ field: 'name', error: "name: must have required property 'name'" });
    expect((await post({ name: 'ok', count: 0 })).json()).toMatchObject({ field: 'count', error: 'count: must be >= 1' });
    expect((await post({ name: 'ok' })).statusCode).toBe(200);
  });
});
