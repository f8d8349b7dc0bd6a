import type { LinkedService } from './api.js';

/** Where the page was opened (the browser's `location`, or the request's host on the server). */
export interface PageOrigin {
  protocol: string;
  hostname: string;
}

/**
 * The public base URL of a service, without a trailing slash. In order: the service's own URL
 * variable; PUBLIC_BASE_URL's scheme and host with the service's port; the page's host with the
 * service's port (plain http, since the other services do not sit behind the page's TLS).
 */
export function serviceBase(service: LinkedService, page: PageOrigin, publicBaseUrl: string | null): string {
  if (service.url) return service.url.replace(/\/+$/, '');
  let base: URL;
  if (publicBaseUrl) {
    base = new URL(publicBaseUrl);
  } else {
    base = new URL('http://localhost');
    base.hostname = page.hostname || 'localhost';
  }
  base.port = String(service.port);
  return base.origin;
}

/** A link to one of the service's paths ("/", "/metrics", "/#/runs/<id>"). */
export function serviceLink(service: LinkedService, path: string, page: PageOrigin, publicBaseUrl: string | null): string {
  return serviceBase(service, page, publicBaseUrl) + (path.startsWith('/') ? path : `/${path}`);
}
