import type { FastifyPluginAsync } from 'fastify';

// Placeholder owned by the web-UI work: serves the built page at `/`.
export const uiPlugin: FastifyPluginAsync = async () => {};
