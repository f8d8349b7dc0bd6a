import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaultController } from '../faults/controller.js';
import { FaultsBody, FaultsState } from '../faults/schema.js';
import { ErrorBody } from './schemas.js';

export interface FaultRoutesOptions {
  faults: FaultController;
  adminToken?: string;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const faultRoutes: FastifyPluginAsyncTypebox<FaultRoutesOptions> = async (app, opts) => {
  const { faults, adminToken } = opts;
  const describeAccess = adminToken ? 'Requires `Authorization: Bearer <ADMIN_TOKEN>`.' : 'Only from loopback clients (ADMIN_TOKEN is not set).';

  const isAdmin = (request: FastifyRequest): boolean => {
    const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    return Boolean(adminToken && m && sameSecret(m[1] as string, adminToken));
  };

  // Changing faults is an admin action: with ADMIN_TOKEN it needs that token; without one it is
  // allowed only from this machine, so an exposed lab cannot be slowed down by anyone who finds it.
  // Reading the state stays open (the portal and dashboards show it), except hidden faults (drills),
  // which only the admin token reveals.
  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (adminToken) {
      if (!isAdmin(request)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Changing faults requires the admin token (Authorization: Bearer <ADMIN_TOKEN>)' });
      }
    } else if (!isLoopback(request.socket.remoteAddress)) {
      return reply.code(403).send({ error: 'Faults can only be changed from localhost unless ADMIN_TOKEN is set' });
    }
  };
  const who = (request: FastifyRequest) => (adminToken ? 'admin token' : `loopback ${request.socket.remoteAddress ?? ''}`);

  app.get(
    '/api/faults',
    {
      schema: {
        tags: ['faults'],
        summary: 'Injected faults now (null = off)',
        description: 'Hidden faults (drills) show as null unless the request carries `Authorization: Bearer <ADMIN_TOKEN>`.',
        response: { 200: FaultsState },
      },
    },
    async (request) => faults.view(isAdmin(request)),
  );
  app.put(
    '/api/faults',
    {
      preHandler: guard,
      schema: {
        tags: ['faults'],
        summary: 'Replace the whole fault state (omitted = off); see the todo API README for every fault kind',
        description: describeAccess,
        security: adminToken ? [{ bearerAuth: [] }] : [],
        body: FaultsBody,
        response: { 200: FaultsState, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => faults.replace(request.body as FaultsBody, { by: who(request), log: request.log, canHide: Boolean(adminToken) }),
  );
  app.delete(
    '/api/faults',
    {
      preHandler: guard,
      schema: {
        tags: ['faults'],
        summary: 'Turn every fault off',
        description: describeAccess,
        security: adminToken ? [{ bearerAuth: [] }] : [],
        response: { 200: FaultsState, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => faults.replace({}, { by: who(request), log: request.log, canHide: Boolean(adminToken) }),
  );
};
