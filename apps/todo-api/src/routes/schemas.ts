import { Type } from '@sinclair/typebox';

export const DEMO_EMAIL = 'user@example.com';
export const DEMO_PASSWORD = 'verysecret';

export const ErrorBody = Type.Object(
  { error: Type.String(), field: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'Every error is JSON naming what went wrong' },
);

export const TaskStatus = Type.Union([Type.Literal('pending'), Type.Literal('in_progress'), Type.Literal('done')]);

export const Task = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  status: TaskStatus,
  user_id: Type.String({ format: 'uuid' }),
  inserted_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

/** PostgreSQL text cannot hold NUL: refusing it here keeps such input a 400 rather than a DB error. */
const NO_NUL = '^[^\\u0000]*$';
export const Title = Type.String({ minLength: 1, maxLength: 255, pattern: NO_NUL, example: 'Write the runbook' });
export const Description = Type.Union([Type.String({ maxLength: 10_000, pattern: NO_NUL }), Type.Null()], { example: 'What to do when HighLatency fires' });

export const Credentials = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254, example: DEMO_EMAIL }),
  password: Type.String({ minLength: 8, maxLength: 200, example: DEMO_PASSWORD }),
});

export const BEARER = [{ bearerAuth: [] }];
