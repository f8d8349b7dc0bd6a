/**
 * One sign-in covers every UI of a Kubernetes lab, in real Chromium: the portal at <LAB_DOMAIN>
 * and the load generator at load-generator.<LAB_DOMAIN> (the Ingress hosts), both built from the
 * environment the single overlay gives their containers (LAB_DOMAIN=lab.localhost, which browsers
 * send to loopback). The cookie the portal's /login sets carries Domain=<LAB_DOMAIN>.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createRegistry } from '@o11y/telemetry';
import { buildApp as buildLoadgen } from '../../apps/load-generator/src/app.ts';
import { readConfig as loadgenConfig } from '../../apps/load-generator/src/config.ts';
import { buildApp as buildPortal } from '../../apps/portal/src/app.ts';
import { readConfig as portalConfig } from '../../apps/portal/src/config.ts';
import { launchBrowser, type Browser } from '../helpers/browser.ts';
import { container, containerEnv, generated, renderLabs, secretData, type RenderedLabs } from '../helpers/kubernetes.ts';

const NS = 'o11y-lab';

describe('sign-in across the Ingress hosts of a lab', () => {
  let labs: RenderedLabs;
  let browser: Browser;
  const apps: FastifyInstance[] = [];
  const dirs: string[] = [];
  const started: Record<string, { port: number; domain: string }> = {};
  let token = '';

  beforeAll(async () => {
    labs = renderLabs();
    const objects = labs.overlays.single;
    token = secretData(generated(objects, 'Secret', 'lab-secrets', NS)).LAB_TOKEN as string;
    for (const id of ['portal', 'load-generator'] as const) {
      const env = containerEnv(objects, container(objects, id, NS).container, NS, { 'metadata.namespace': NS, 'status.podIP': '10.244.1.7', 'metadata.name': id });
      const dir = mkdtempSync(join(tmpdir(), `o11y-k8s-sign-in-${id}-`));
      dirs.push(dir);
      const local = { ...env, DATA_DIR: dir, HOST: '127.0.0.1', PORT: '0', HEALTH_INTERVAL_MS: '60000' };
      const deps = { logger: createLogger({ name: id, level: 'silent' }), registry: createRegistry({ defaultMetrics: false }) };
      const app = id === 'portal' ? await buildPortal(portalConfig(local), deps) : await buildLoadgen(loadgenConfig(local), deps);
      apps.push(app);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      started[id] = { port: typeof address === 'object' && address ? address.port : 0, domain: env.LAB_DOMAIN as string };
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const a of apps) await a.close();
    labs?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('signing in on the portal opens the load generator\'s API at load-generator.<LAB_DOMAIN>', async () => {
    const portal = started.portal as { port: number; domain: string };
    const loadgen = started['load-generator'] as { port: number; domain: string };
    expect(portal.domain).toBe('lab.localhost');
    const page = await browser.context.newPage();
    const api = `http://load-generator.${loadgen.domain}:${loadgen.port}/api/runs`;
    // Before: the load generator wants the token.
    expect((await page.goto(api))?.status()).toBe(401);
    await page.goto(`http://${portal.domain}:${portal.port}/login?token=${encodeURIComponent(token)}`);
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'o11y_lab_session');
    expect(cookie?.domain).toBe(`.${portal.domain}`);
    const after = await page.goto(api);
    expect(after?.status()).toBe(200);
    expect(JSON.parse((await after?.text()) ?? 'null')).toEqual([]);
    // Signing out on the load generator's host ends the session on every host.
    await page.evaluate(async () => {
      await fetch('/logout', { method: 'POST' });
    });
    expect((await page.goto(api))?.status()).toBe(401);
    expect((await page.goto(`http://${portal.domain}:${portal.port}/api/services`))?.status()).toBe(401);
    await page.close();
  });
});
