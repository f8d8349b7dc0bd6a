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

/** Registration: the password policy (8–200 characters) applies here, and only here. */
export const Credentials = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254, example: DEMO_EMAIL }),
  password: Type.String({ minLength: 8, maxLength: 200, example: DEMO_PASSWORD }),
});

/**
 * Login: any strings. Whatever is wrong with them (unknown email, wrong password of any length),
 * the answer is the same 401, so the form of a guess never tells what exists.
 */
export const LoginBody = Type.Object({
  email: Type.String({ example: DEMO_EMAIL }),
  password: Type.String({ example: DEMO_PASSWORD }),
});

/** The one answer to a failed login, for a wrong password and an unknown email alike. */
export const INVALID_CREDENTIALS = { error: 'invalid credentials' } as const;

/**
 * The fields of a task a client may set. PUT and PATCH both take any non-empty subset of them
 * (the original service's PUT is a partial update too); other fields are ignored, as the
 * original's changeset ignores them, so a task read with GET can be sent back as it is.
 */
export const TaskChangesBody = (example: Record<string, unknown>) =>
  Type.Object(
    { title: Type.Optional(Title), description: Type.Optional(Description), status: Type.Optional(TaskStatus) },
    { description: 'Any non-empty subset of title, description and status; the others keep their values.', examples: [example] },
  );

export const BEARER = [{ bearerAuth: [] }];
