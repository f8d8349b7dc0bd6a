import { Registry } from 'prom-client';

export interface Exposition {
  contentType: string;
  body: string;
}

type Format = typeof Registry.PROMETHEUS_CONTENT_TYPE | typeof Registry.OPENMETRICS_CONTENT_TYPE;
interface Switchable {
  setContentType(t: Format): void;
}
interface Named {
  name: string;
  type?: string;
}

// prom-client renders one format per registry, accepts exemplars only on an OpenMetrics
// registry, and renames counters in place (strips `_total`) when it renders OpenMetrics.
// Scrapes are therefore serialised, the format switched per scrape and the names restored,
// so one registry answers both: Prometheus text for people and promtool, OpenMetrics (with
// exemplars) for a Prometheus server that asks for it.
let queue: Promise<unknown> = Promise.resolve();

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.includes('application/openmetrics-text');
}

export function renderMetrics(registry: Registry, accept?: string): Promise<Exposition> {
  const contentType: Format = wantsOpenMetrics(accept) ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
  const run = queue.then(async () => {
    const counters = registry.getMetricsAsArray() as unknown as Named[];
    const names = counters.map((m) => m.name);
    (registry as unknown as Switchable).setContentType(contentType);
    try {
      return { contentType, body: await registry.metrics() };
    } finally {
      (registry as unknown as Switchable).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      counters.forEach((m, i) => {
        m.name = names[i] as string;
      });
    }
  });
  queue = run.catch(() => undefined);
  return run;
}
