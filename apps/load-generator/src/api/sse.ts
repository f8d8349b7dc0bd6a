import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunManager } from '../engine/manager.js';
import type { RunSummary } from '../contract/schemas.js';

/**
 * `GET /api/runs/:id/events`: Server-Sent Events, `progress` ({summary, point}) once per second and a
 * final `done` (the summary), then the stream ends. A run that is already over gets `done` at once.
 */
export function streamRunEvents(manager: RunManager, id: string, request: FastifyRequest, reply: FastifyReply, summary: RunSummary): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const run = manager.run(id);
  if (!run) {
    send('done', summary);
    res.end();
    return;
  }
  res.write(': connected\n\n');
  const onProgress = (p: unknown) => send('progress', p);
  const onDone = (s: RunSummary) => {
    cleanup();
    send('done', s);
    res.end();
  };
  const cleanup = () => {
    run.off('progress', onProgress);
    run.off('done', onDone);
  };
  run.on('progress', onProgress);
  run.on('done', onDone);
  request.raw.on('close', cleanup);
}
