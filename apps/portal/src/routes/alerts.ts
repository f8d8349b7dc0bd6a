import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { InboxStore } from '../inbox/store.js';
import { toNotifications, WEBHOOK_BODY_LIMIT, WebhookPayload } from '../inbox/webhook.js';
import type { PortalMetrics } from '../metrics.js';
import type { Fetch } from '../outbound.js';
import type { AlertsNotConfigured, FiringAlert } from '../shared/api.js';

export interface AlertsRoutesOptions {
  inbox: InboxStore;
  metrics: PortalMetrics;
  /** Alertmanager's base URL as the server reaches it; null when none is configured. */
  alertmanagerUrl: string | null;
  timeoutMs: number;
  fetch: Fetch;
}

interface AmAlert {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
}

/** Maps Alertmanager API v2 alerts to the page's shape, most recent first. */
export function toFiring(alerts: AmAlert[]): FiringAlert[] {
  return alerts
    .map((a) => ({
      alertname: a.labels?.alertname ?? '',
      severity: a.labels?.severity ?? '',
      since: a.startsAt ?? '',
      summary: a.annotations?.summary ?? a.annotations?.description ?? '',
    }))
    .sort((x, y) => y.since.localeCompare(x.since));
}

/** The alert inbox (Alertmanager webhook receiver) and the firing alerts read from Alertmanager. */
export async function alertsRoutes(app: FastifyInstance, opts: AlertsRoutesOptions): Promise<void> {
  app.post(
    '/api/alerts/webhook',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: { body: WebhookPayload, response: { 200: Type.Object({ stored: Type.Integer() }) } },
      onResponse: (_request, reply, done) => {
        opts.metrics.webhookRequests.inc({ result: reply.statusCode < 300 ? 'accepted' : 'rejected' });
        done();
      },
    },
    async (request) => {
      const notifications = toNotifications(request.body as WebhookPayload);
      await opts.inbox.add(notifications);
      for (const n of notifications) opts.metrics.notifications.inc({ status: n.status });
      request.log.info({ stored: notifications.length, alerts: notifications.map((n) => `${n.alertname}:${n.status}`) }, 'alert notifications stored');
      return { stored: notifications.length };
    },
  );

  app.get('/api/alerts/inbox', async () => opts.inbox.list());

  app.get('/api/alerts/firing', async (_request, reply): Promise<FiringAlert[] | AlertsNotConfigured | { error: string; configured: true }> => {
    if (!opts.alertmanagerUrl) return { configured: false };
    const url = `${opts.alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false`;
    try {
      const res = await opts.fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        reply.code(502);
        return { error: `Alertmanager at ${opts.alertmanagerUrl} answered HTTP ${res.status}`, configured: true };
      }
      const body = (await res.json()) as unknown;
      if (!Array.isArray(body)) throw new Error('the answer is not a list of alerts');
      return toFiring(body as AmAlert[]);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (e.cause?.code ?? e.message);
      reply.code(502);
      return { error: `Alertmanager at ${opts.alertmanagerUrl} is unreachable: ${why}`, configured: true };
    }
  });
}
