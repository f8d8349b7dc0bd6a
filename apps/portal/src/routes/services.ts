import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PortalConfig } from '../config.js';
import type { HealthPoller } from '../health/poller.js';
import type { LinkedService, LinksConfig, ServiceStatus } from '../shared/api.js';
import { serviceLink } from '../shared/links.js';

export interface ServicesRoutesOptions {
  config: PortalConfig;
  poller: HealthPoller;
  /** Page paths learned from the running services (e.g. Prometheus' classic UI); default SERVICES' uiPath. */
  uiPaths?: ReadonlyMap<string, string>;
}

/** The link inputs of every service (what the page needs to build links itself). */
export function linksConfig(config: PortalConfig, uiPaths: ReadonlyMap<string, string> = new Map()): LinksConfig {
  return {
    mode: config.MODE,
    public_base_url: config.PUBLIC_BASE_URL ?? null,
    services: config.services.map(
      (t): LinkedService => ({
        id: t.info.id,
        title: t.info.title,
        description: t.info.description,
        section: t.info.section,
        port: t.publicPort,
        url: t.publicUrl,
        ui_path: uiPaths.get(t.info.id) ?? t.info.uiPath,
        health_path: t.info.healthPath,
        metrics_path: t.info.metricsPath ?? null,
        in_mode: t.inMode,
      }),
    ),
  };
}

/** The host the request was made to, as the browser saw it (for links in API answers). */
function pageOrigin(request: FastifyRequest): { protocol: string; hostname: string } {
  return { protocol: `${request.protocol}:`, hostname: request.hostname };
}

/** GET /api/config (link inputs) and GET /api/services (links plus live health). */
export async function servicesRoutes(app: FastifyInstance, opts: ServicesRoutesOptions): Promise<void> {
  app.get('/api/config', async () => linksConfig(opts.config, opts.uiPaths));

  app.get('/api/services', async (request): Promise<ServiceStatus[]> => {
    await opts.poller.ready();
    const page = pageOrigin(request);
    const links = linksConfig(opts.config, opts.uiPaths);
    return links.services.map((s) => {
      const r = opts.poller.result(s.id);
      const base: ServiceStatus = {
        id: s.id,
        title: s.title,
        section: s.section,
        url: serviceLink(s, s.ui_path, page, links.public_base_url),
        status: 'not_in_mode',
        latency_ms: null,
        checked_at: null,
      };
      if (!s.in_mode) return base;
      if (!r) return { ...base, status: 'down', error: 'not checked yet' };
      return { ...base, status: r.up ? 'up' : 'down', latency_ms: r.latency_ms, checked_at: r.checked_at, ...(r.error ? { error: r.error } : {}) };
    });
  });
}
