import type { FastifyPluginAsync } from 'fastify';

// Placeholder owned by the web-UI work: the original's `/ws` protocol, translated to the REST API.
export const wsCompatPlugin: FastifyPluginAsync = async () => {};
