import websocket, { type WebSocket } from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RunSummary } from '../contract/schemas.js';

/**
 * The original load generator's WebSocket protocol, kept so scripts written for it keep working.
 *
 * The client sends one JSON message `{url, method, payload, headers, rps, duration, load_profile}`
 * (headers as `Name: value` lines, profile by its Russian name such as "Спайковая"); the server answers
 * once a second with `{total, success, fail, rps, success_rate, done}` and finally `done: true`.
 * Closing the socket stops the run. A new message on the same socket replaces the running run.
 *
 * There is no second engine path: the message becomes `POST /api/runs`, progress is read from
 * `GET /api/runs/:id`, and a close becomes `POST /api/runs/:id/stop`, all through `app.inject`.
 */

/** What the original accepted. Every field is optional on the wire; the REST API validates. */
export interface OriginalMessage {
  url?: unknown;
  method?: unknown;
  payload?: unknown;
  headers?: unknown;
  rps?: unknown;
  duration?: unknown;
  load_profile?: unknown;
}

/** What the original sent once a second (plus `run_id`, so the run can be opened in the web UI). */
export interface OriginalStats {
  total: number;
  success: number;
  fail: number;
  rps: number;
  success_rate: number;
  done: boolean;
  run_id?: string;
  error?: string;
  field?: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Translates the original message into the REST API's run request. */
export function toRunRequest(msg: OriginalMessage): Record<string, unknown> {
  const method = typeof msg.method === 'string' && msg.method.trim() ? msg.method.trim().toUpperCase() : 'GET';
  const target: Record<string, unknown> = { method, url: msg.url };
  if (typeof msg.headers === 'string' ? msg.headers.trim() !== '' : msg.headers !== undefined && msg.headers !== null) {
    target.headers = msg.headers;
  }
  // The original sent `payload` with every request; GET and HEAD carry none (the API would refuse it).
  if (method !== 'GET' && method !== 'HEAD' && msg.payload !== undefined && msg.payload !== null && msg.payload !== '') {
    target.body = typeof msg.payload === 'string' ? msg.payload : JSON.stringify(msg.payload);
  }
  const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  return {
    target,
    rate: num(msg.rps),
    duration: num(msg.duration),
    profile: typeof msg.load_profile === 'string' && msg.load_profile.trim() ? msg.load_profile.trim() : 'constant',
  };
}

function toStats(s: RunSummary, rps: number): OriginalStats {
  const completed = s.ok + s.failed;
  return {
    total: s.sent,
    success: s.ok,
    fail: s.failed,
    rps: round2(rps),
    success_rate: completed > 0 ? round2((s.ok / completed) * 100) : 0,
    done: s.state !== 'running',
    run_id: s.id,
    ...(s.error ? { error: s.error } : {}),
  };
}

class Session {
  private runId: string | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private prev = { sent: 0, at: 0 };
  private closed = false;
  private polling = false;

  constructor(
    private readonly app: FastifyInstance,
    private readonly socket: WebSocket,
    /** The upgrade request's credentials (LAB_TOKEN bearer or session cookie), sent with every inner call. */
    private readonly credentials: Record<string, string> = {},
  ) {}

  private send(data: OriginalStats | { error: string; field?: string; done: true }): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(data));
  }

  async onMessage(raw: string): Promise<void> {
    let msg: OriginalMessage;
    try {
      msg = JSON.parse(raw) as OriginalMessage;
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) throw new Error('expected a JSON object');
    } catch (err) {
      this.send({ error: `invalid message: ${(err as Error).message}`, done: true });
      return;
    }
    await this.stopCurrent();
    if (this.closed) return;
    const res = await this.app.inject({ method: 'POST', url: '/api/runs', payload: toRunRequest(msg), headers: this.credentials });
    const body = res.json() as { id?: string; error?: string; field?: string };
    if (res.statusCode !== 201 || !body.id) {
      this.send({ error: body.error ?? `HTTP ${res.statusCode}`, ...(body.field ? { field: body.field } : {}), done: true });
      return;
    }
    if (this.closed) {
      await this.app.inject({ method: 'POST', url: `/api/runs/${body.id}/stop`, headers: this.credentials }).catch(() => undefined);
      return;
    }
    this.runId = body.id;
    this.prev = { sent: 0, at: Date.now() };
    this.timer = setInterval(() => void this.poll(), 1000);
  }

  private async poll(): Promise<void> {
    const id = this.runId;
    if (!id || this.polling) return;
    this.polling = true;
    try {
      const res = await this.app.inject({ method: 'GET', url: `/api/runs/${id}`, headers: this.credentials });
      if (id !== this.runId) return;
      if (res.statusCode !== 200) {
        this.send({ error: `run ${id}: HTTP ${res.statusCode}`, done: true });
        this.clear();
        return;
      }
      const s = res.json() as RunSummary;
      const now = Date.now();
      const dt = (now - this.prev.at) / 1000;
      const current = dt > 0 ? (s.sent - this.prev.sent) / dt : 0;
      this.prev = { sent: s.sent, at: now };
      const done = s.state !== 'running';
      this.send(toStats(s, done ? s.achieved_rps : current));
      if (done) this.clear();
    } catch (err) {
      // The server began closing: Fastify refuses inject from then on, and the preClose hook that
      // disposes this session may not have run yet (other plugins' hooks go first). Stop with it.
      if ((err as { code?: unknown }).code === 'FST_ERR_REOPENED_CLOSE_SERVER') this.dispose();
      // A poll cut short by the session's end (the socket or the server closed) is not a failure.
      else if (!this.closed) this.app.log.warn({ err }, 'ws-compat: progress poll failed');
    } finally {
      this.polling = false;
    }
  }

  private clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.runId = null;
  }

  private async stopCurrent(): Promise<void> {
    const id = this.runId;
    this.clear();
    if (id) await this.app.inject({ method: 'POST', url: `/api/runs/${id}/stop`, headers: this.credentials }).catch(() => undefined);
  }

  async onClose(): Promise<void> {
    this.closed = true;
    await this.stopCurrent();
  }

  /** The server is closing: stop polling (its run is stopped by the run manager's own shutdown). */
  dispose(): void {
    this.closed = true;
    this.clear();
  }
}

export const wsCompatPlugin: FastifyPluginAsync = async (app) => {
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  // A session still open when the server closes stops polling with it.
  const sessions = new Set<Session>();
  app.addHook('preClose', async () => {
    for (const s of sessions) s.dispose();
  });
  // The upgrade itself passed the control-plane guard (Host, Origin, LAB_TOKEN); the inner calls
  // go through it again with the same credentials.
  app.get('/ws', { websocket: true }, (socket, request) => {
    const { authorization, cookie } = request.headers;
    const session = new Session(app, socket, { ...(authorization ? { authorization } : {}), ...(cookie ? { cookie } : {}) });
    sessions.add(session);
    // Messages are handled one at a time, in order.
    let chain = Promise.resolve();
    socket.on('message', (data) => {
      const text = (Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
      chain = chain.then(() => session.onMessage(text)).catch((err: unknown) => request.log.warn({ err }, 'ws-compat: message failed'));
    });
    // The session stays known until its close has run: a message still in flight when the socket
    // closed may start polling, and a server closing meanwhile must still stop it.
    socket.on('close', () => {
      chain = chain
        .then(() => session.onClose())
        .catch(() => undefined)
        .finally(() => sessions.delete(session));
    });
  });
};
