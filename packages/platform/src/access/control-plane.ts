import type { FastifyInstance } from 'fastify';
import type { AccessConfig } from './config.js';
import { registerControlPlaneGuard } from './guard.js';
import { registerLoginRoutes } from './login.js';

/**
 * Everything a control-plane app (portal, load generator) registers, right after telemetry: the
 * Host/Origin/LAB_TOKEN guard and the /login, /logout routes. `name` appears in messages.
 */
export async function registerControlPlane(app: FastifyInstance, access: AccessConfig, name: string): Promise<void> {
  registerControlPlaneGuard(app, { access, name });
  await registerLoginRoutes(app, access, name);
}
