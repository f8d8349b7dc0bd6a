import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

export const pingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/ping',
    {
      schema: {
        tags: ['service'],
        summary: 'Liveness of the API itself (no database)',
        response: { 200: Type.Object({ status: Type.Literal('ok'), timestamp: Type.String({ format: 'date-time' }) }) },
      },
    },
    async () => ({ status: 'ok' as const, timestamp: new Date().toISOString() }),
  );
};
