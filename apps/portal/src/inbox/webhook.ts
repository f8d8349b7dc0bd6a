import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { Notification } from '../shared/api.js';

/** Largest webhook body accepted (Alertmanager truncates big groups with `max_alerts`). */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

const StringMap = Type.Record(Type.String(), Type.String());
const Status = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);

/** One alert of Alertmanager's webhook payload (version 4). */
export const WebhookAlert = Type.Object({
  status: Status,
  labels: Type.Intersect([Type.Object({ alertname: Type.String({ minLength: 1 }) }), StringMap]),
  annotations: Type.Optional(StringMap),
  startsAt: Type.String({ minLength: 1 }),
  endsAt: Type.Optional(Type.String()),
  generatorURL: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Type.String()),
});

/** Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const WebhookPayload = Type.Object({
  version: Type.Literal('4'),
  groupKey: Type.Optional(Type.String()),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Status,
  receiver: Type.Optional(Type.String()),
  groupLabels: Type.Optional(StringMap),
  commonLabels: Type.Optional(StringMap),
  commonAnnotations: Type.Optional(StringMap),
  externalURL: Type.Optional(Type.String()),
  alerts: Type.Array(WebhookAlert, { minItems: 1, maxItems: 1000 }),
});
export type WebhookPayload = Static<typeof WebhookPayload>;

/** Alertmanager sends "0001-01-01T00:00:00Z" as the end of an alert that has not ended. */
function realTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) && t > 0 ? new Date(t).toISOString() : undefined;
}

/** One notification per alert of the payload, in the payload's order. */
export function toNotifications(payload: WebhookPayload, now = new Date()): Notification[] {
  const received_at = now.toISOString();
  return payload.alerts.map((a) => {
    const labels: Record<string, string> = { ...a.labels };
    const annotations: Record<string, string> = { ...(payload.commonAnnotations ?? {}), ...(a.annotations ?? {}) };
    const ends_at = a.status === 'resolved' ? realTime(a.endsAt) : undefined;
    return {
      id: randomUUID(),
      received_at,
      status: a.status,
      alertname: a.labels.alertname,
      severity: labels.severity ?? '',
      summary: annotations.summary ?? '',
      description: annotations.description ?? '',
      starts_at: realTime(a.startsAt) ?? a.startsAt,
      ...(ends_at ? { ends_at } : {}),
      labels,
      annotations,
    };
  });
}
