import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PasswordHasher } from '../auth/passwords.js';
import type { TokenService } from '../auth/tokens.js';
import type { UsersRepository } from '../db/users.js';
import type { AppMetrics } from '../telemetry/metrics.js';
import { Credentials, ErrorBody, INVALID_CREDENTIALS, LoginBody } from './schemas.js';

export interface AuthRoutesOptions {
  users: UsersRepository;
  tokens: TokenService;
  metrics: AppMetrics;
  loginRateLimit: number;
  passwords: PasswordHasher;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, opts) => {
  const { users, tokens, metrics, passwords } = opts;
  // Compared against when the email is unknown, so an unknown email costs the same time as a
  // wrong password and the two cannot be told apart by timing either.
  const unknownUserHash = await passwords.hash('not-a-real-password');

  app.post(
    '/api/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        body: Credentials,
        response: { 201: Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String() }), 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const created = await users.create(email, await passwords.hash(request.body.password), request.traceContext);
      if (!created) return reply.code(409).send({ error: 'email: already registered', field: 'email' });
      metrics.usersRegistered.inc();
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/api/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Get a bearer token (the example is the seeded demo user)',
        description: 'A wrong password and an unknown email get the same 401 `{"error":"invalid credentials"}`, whatever their length.',
        body: LoginBody,
        response: { 200: Type.Object({ token: Type.String() }), 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
      config: { rateLimit: { max: opts.loginRateLimit, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const user = await users.findByEmail(request.body.email.trim().toLowerCase(), request.traceContext);
      // Unknown email and wrong password: same work, same answer.
      const { ok, rehash } = await passwords.verify(request.body.password, user?.password_hash ?? unknownUserHash);
      if (!user || !ok) {
        metrics.logins.inc({ result: 'failure' });
        return reply.code(401).send(INVALID_CREDENTIALS);
      }
      if (rehash) {
        // An old (bcrypt) or weaker hash: replaced now that the password is known to be right.
        try {
          await users.updatePasswordHash(user.id, await passwords.hash(request.body.password), request.traceContext);
        } catch (err) {
          request.log.warn({ err }, 'could not rehash the password; the old hash keeps working');
        }
      }
      metrics.logins.inc({ result: 'success' });
      return { token: await tokens.issue(user.id) };
    },
  );
};
