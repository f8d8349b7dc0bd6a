import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { dummyHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { TokenService } from '../auth/tokens.js';
import type { UsersRepository } from '../db/users.js';
import type { AppMetrics } from '../telemetry/metrics.js';
import { Credentials, ErrorBody, INVALID_CREDENTIALS, LoginBody } from './schemas.js';

export interface AuthRoutesOptions {
  users: UsersRepository;
  tokens: TokenService;
  metrics: AppMetrics;
  loginRateLimit: number;
  passwordRounds: number;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, opts) => {
  const { users, tokens, metrics } = opts;
  const unknownUserHash = dummyHash(opts.passwordRounds);

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
      const created = await users.create(email, await hashPassword(request.body.password, opts.passwordRounds), request.traceContext);
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
      const ok = await verifyPassword(request.body.password, user?.password_hash ?? unknownUserHash);
      if (!user || !ok) {
        metrics.logins.inc({ result: 'failure' });
        return reply.code(401).send(INVALID_CREDENTIALS);
      }
      metrics.logins.inc({ result: 'success' });
      return { token: await tokens.issue(user.id) };
    },
  );
};
