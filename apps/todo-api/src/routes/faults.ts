import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { bearerToken, hostOriginCheck, requireBearer, sameSecret, type HostList } from '@o11y/platform';
import type { FaultController } from '../faults/controller.js';
import { FaultsBody, FaultsState } from '../faults/schema.js';
import { ErrorBody } from './schemas.js';

export interface FaultRoutesOptions {
  faults: FaultController;
  /** ADMIN_TOKEN: changing faults needs it, from any client, loopback included. */
  adminToken?: string | undefined;
  /** The lab's own names: /api/faults is control plane, so Host and Origin are checked on it. */
  hosts: HostList;
}

/** How to get an admin token, in the 403 when none is configured. */
export const ADMIN_TOKEN_HINT =
  'start the todo API with ADMIN_TOKEN=<a long random secret> (npm start generates one and prints it; with docker compose it is ADMIN_TOKEN in .env), ' +
  'then send Authorization: Bearer <ADMIN_TOKEN> (Swagger: Authorize)';

/**
 * The fault API. Changing faults is an admin action and always needs ADMIN_TOKEN: without one
 * configured nobody may change them, not even a loopback client (a local web page or a load
 * generator run aimed at this URL would otherwise be enough). Reading the state stays open: the
 * portal and dashboards show it. Host and Origin are checked on every method (DNS rebinding,
 * cross-site requests); the rest of the API (tasks, login) stays open to any Host.
 */
export const faultRoutes: FastifyPluginAsyncTypebox<FaultRoutesOptions> = async (app, opts) => {
  const { faults, adminToken } = opts;
  const controlPlane = hostOriginCheck(opts.hosts);
  const admin = requireBearer(adminToken, { variable: 'ADMIN_TOKEN', action: 'Changing faults', unsetHint: ADMIN_TOKEN_HINT });
  const describeAccess = adminToken
    ? 'Requires `Authorization: Bearer <ADMIN_TOKEN>` (Swagger: Authorize).'
    : 'Refused: this todo API has no ADMIN_TOKEN configured, so nobody can change faults.';
  // Both before the body is read: an unauthorised client learns nothing from validation errors.
  const changing = [controlPlane, admin];
  const security = [{ bearerAuth: [] }];
  const isAdmin = (request: FastifyRequest): boolean => {
    const given = bearerToken(request);
    return Boolean(adminToken && given !== undefined && sameSecret(given, adminToken));
  };
  // Only reachable with the admin token, which may hide a fault (drills).
  const change = (request: FastifyRequest) => ({ by: 'admin token', log: request.log, canHide: true });

  app.get(
    '/api/faults',
    {
      onRequest: controlPlane,
      schema: {
        tags: ['faults'],
        summary: 'Injected faults now (null = off)',
        description: 'Hidden faults (drills) show as null unless the request carries `Authorization: Bearer <ADMIN_TOKEN>`.',
        response: { 200: FaultsState, 403: ErrorBody },
      },
    },
    async (request) => faults.view(isAdmin(request)),
  );
  app.put(
    '/api/faults',
    {
      onRequest: changing,
      schema: {
        tags: ['faults'],
        summary: 'Replace the whole fault state (omitted = off); see the todo API README for every fault kind',
        description: describeAccess,
        security,
        body: FaultsBody,
        response: { 200: FaultsState, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => faults.replace(request.body as FaultsBody, change(request)),
  );
  app.delete(
    '/api/faults',
    {
      onRequest: changing,
      schema: {
        tags: ['faults'],
        summary: 'Turn every fault off',
        description: describeAccess,
        security,
        response: { 200: FaultsState, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => faults.replace({}, change(request)),
  );
};
