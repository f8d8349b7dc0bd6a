import { describe, expect, it } from 'vitest';
import type { LinkedService } from '../src/shared/api.js';
import { serviceLink } from '../src/shared/links.js';

const svc = (over: Partial<LinkedService> = {}): LinkedService => ({
  id: 'prometheus',
  title: { en: 'Prometheus', ru: 'Prometheus' },
  description: { en: '', ru: '' },
  section: 'monitoring',
  port: 9090,
  url: null,
  ui_path: '/alerts',
  health_path: '/-/ready',
  metrics_path: '/metrics',
  in_mode: true,
  ...over,
});

describe('serviceLink', () => {
  it('uses the page host with the service port', () => {
    expect(serviceLink(svc(), '/alerts', { protocol: 'http:', hostname: '192.168.1.20' }, null)).toBe('http://192.168.1.20:9090/alerts');
    expect(serviceLink(svc(), '/', { protocol: 'http:', hostname: '[::1]' }, null)).toBe('http://[::1]:9090/');
  });

  it('drops the default port and keeps plain http for derived links', () => {
    expect(serviceLink(svc({ port: 80 }), '/', { protocol: 'https:', hostname: 'lab.example' }, null)).toBe('http://lab.example/');
  });

  it('takes scheme and host from PUBLIC_BASE_URL, keeping the service port', () => {
    expect(serviceLink(svc(), '/metrics', { protocol: 'http:', hostname: '127.0.0.1' }, 'https://o11y.example.org:8443/ignored')).toBe('https://o11y.example.org:9090/metrics');
  });

  it('uses the service URL variable as the base, path included', () => {
    const s = svc({ url: 'https://example.org/prometheus/' });
    expect(serviceLink(s, '/alerts', { protocol: 'http:', hostname: '127.0.0.1' }, 'http://other')).toBe('https://example.org/prometheus/alerts');
    expect(serviceLink(s, '#/runs/1', { protocol: 'http:', hostname: '127.0.0.1' }, null)).toBe('https://example.org/prometheus/#/runs/1');
  });
});
