import { Counter, Gauge, type Registry } from 'prom-client';

/** The portal's own metrics; Prometheus alerts and dashboards use these names. */
export interface PortalMetrics {
  notifications: Counter<'status'>;
  webhookRequests: Counter<'result'>;
  serviceUp: Gauge<'service'>;
}

export function createPortalMetrics(registry: Registry): PortalMetrics {
  const notifications = new Counter({
    name: 'portal_alert_notifications_total',
    help: 'Alert notifications received from Alertmanager and stored in the inbox, by status.',
    labelNames: ['status'],
    registers: [registry],
  });
  const webhookRequests = new Counter({
    name: 'portal_webhook_requests_total',
    help: 'Requests to the Alertmanager webhook, by result (accepted; rejected as malformed or too large; unauthorized: no or a wrong token).',
    labelNames: ['result'],
    registers: [registry],
  });
  const serviceUp = new Gauge({
    name: 'portal_service_up',
    help: "1 when the service answered the portal's last health probe with 2xx, else 0 (services of this mode only).",
    labelNames: ['service'],
    registers: [registry],
  });
  for (const status of ['firing', 'resolved']) notifications.inc({ status }, 0);
  for (const result of ['accepted', 'rejected', 'unauthorized']) webhookRequests.inc({ result }, 0);
  return { notifications, webhookRequests, serviceUp };
}
