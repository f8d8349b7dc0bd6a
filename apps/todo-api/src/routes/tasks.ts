import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.js';
import type { TaskChanges, TasksRepository } from '../db/tasks.js';
import type { UsersRepository } from '../db/users.js';
import type { AppMetrics } from '../telemetry/metrics.js';
import { BEARER, Description, ErrorBody, Task, TaskChangesBody, TaskStatus, Title } from './schemas.js';

export interface TaskRoutesOptions {
  users: UsersRepository;
  tasks: TasksRepository;
  tokens: TokenService;
  metrics: AppMetrics;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user's id (set by the bearer check of the task routes). */
    userId: string;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IdParams = Type.Object({ id: Type.String({ description: 'Task id (UUID)' }) });
const NOT_FOUND = { error: 'Task not found' };
const NO_CHANGES = { error: 'body: set at least one of title, description, status' };

/** The task fields of an update body (unknown fields are ignored); undefined when there is none. */
function taskChanges(body: TaskChanges): TaskChanges | undefined {
  const changes: TaskChanges = {};
  if (body.title !== undefined) changes.title = body.title;
  if (body.description !== undefined) changes.description = body.description;
  if (body.status !== undefined) changes.status = body.status;
  return Object.keys(changes).length > 0 ? changes : undefined;
}
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export const taskRoutes: FastifyPluginAsyncTypebox<TaskRoutesOptions> = async (app, opts) => {
  const { users, tasks, tokens, metrics } = opts;
  app.decorateRequest('userId', '');

  // Every task request verifies the token and that its user still exists (one indexed lookup),
  // so a deleted account's tokens stop working at once.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const userId = match ? await tokens.verify(match[1] as string) : undefined;
    if (!userId || !UUID.test(userId) || !(await users.exists(userId, request.traceContext))) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: match ? 'Invalid or expired token' : 'Missing bearer token (Authorization: Bearer <token>)' });
    }
    request.userId = userId;
  });

  app.get(
    '/api/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Your tasks, newest first',
        security: BEARER,
        // Optional (so Swagger does not insist on them); Ajv fills the defaults before the handler.
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 })),
        }),
        response: { 200: Type.Array(Task), ...errors },
      },
    },
    (request) => tasks.list(request.userId, request.query.limit ?? 10, request.query.offset ?? 0, request.traceContext) as never,
  );

  app.post(
    '/api/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Create a task',
        security: BEARER,
        body: Type.Object({ title: Title, description: Type.Optional(Description), status: Type.Optional(TaskStatus) }),
        response: { 201: Task, ...errors },
      },
    },
    async (request, reply) => {
      const { title, description, status } = request.body;
      const task = await tasks.create(request.userId, { title, description: description ?? null, status: status ?? 'pending' }, request.traceContext);
      metrics.tasksCreated.inc();
      return reply.code(201).send(task as never);
    },
  );

  app.get(
    '/api/tasks/:id',
    { schema: { tags: ['tasks'], summary: 'One task', security: BEARER, params: IdParams, response: { 200: Task, ...errors } } },
    async (request, reply) => {
      // A malformed id cannot name a task: 404, like any id that is not yours.
      const task = UUID.test(request.params.id) ? await tasks.get(request.userId, request.params.id, request.traceContext) : undefined;
      return task ? (task as never) : reply.code(404).send(NOT_FOUND);
    },
  );

  // PUT and PATCH are the same partial update (the original's PUT is one): the fields given change.
  for (const [method, summary, example] of [
    ['PUT', 'Update a task: any non-empty subset of title, description, status', { title: 'Write the runbook', status: 'done' }],
    ['PATCH', 'Update a task: any non-empty subset of title, description, status (same as PUT)', { status: 'done' }],
  ] as const) {
    app.route({
      method,
      url: '/api/tasks/:id',
      schema: { tags: ['tasks'], summary, security: BEARER, params: IdParams, body: TaskChangesBody(example), response: { 200: Task, ...errors } },
      handler: async (request, reply) => {
        const changes = taskChanges(request.body);
        if (!changes) return reply.code(400).send(NO_CHANGES);
        if (!UUID.test(request.params.id)) return reply.code(404).send(NOT_FOUND);
        const task = await tasks.update(request.userId, request.params.id, changes, request.traceContext);
        if (!task) return reply.code(404).send(NOT_FOUND);
        metrics.tasksUpdated.inc();
        return task as never;
      },
    });
  }

  app.delete(
    '/api/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Delete a task',
        security: BEARER,
        params: IdParams,
        response: { 200: Type.Object({ message: Type.String() }), ...errors },
      },
    },
    async (request, reply) => {
      const deleted = UUID.test(request.params.id) && (await tasks.delete(request.userId, request.params.id, request.traceContext));
      if (!deleted) return reply.code(404).send(NOT_FOUND);
      metrics.tasksDeleted.inc();
      return { message: 'Task deleted' };
    },
  );
};
