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

  it('leaves a union of types as Ajv says it (no constants to list), JSON bodies typed strictly', async () => {
    const res = await post({ name: 'ok', note: 5 });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('note');
    expect(res.json().details).toEqual([
      { field: 'note', message: 'must be string' },
      { field: 'note', message: 'must be null' },
      { field: 'note', message: 'must match a schema in anyOf' },
    ]);
  });

  it('lists no constants for a union that also takes something else', async () => {
    const res = await post({ name: 'ok', threads: 'many' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('threads');
    expect(res.json().details).toEqual([
      { field: 'threads', message: 'must be equal to constant' },
      { field: 'threads', message: 'must be integer' },
      { field: 'threads', message: 'must match a schema in anyOf' },
    ]);
  });

  it('names a missing property and a bound as before', async () => {
    expect((await post({})).json()).toMatchObject({ field: 'name', error: "name: must have required property 'name'" });
    expect((await post({ name: 'ok', count: 0 })).json()).toMatchObject({ field: 'count', error: 'count: must be >= 1' });
    expect((await post({ name: 'ok' })).statusCode).toBe(200);
  });
});
