import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findStackBinaries, INSTALL_HINT, missingBinariesMessage, planStack } from '@o11y/launcher';

const tmp = mkdtempSync(join(tmpdir(), 'launcher-stack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function fakeBin(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, 0o755);
  return file;
}

const ports = new Map([
  ['todo-api', 14000],
  ['load-generator', 18081],
  ['portal', 18000],
  ['prometheus', 19090],
  ['alertmanager', 19093],
]);
const portEnv = { TODO_API_PORT: '14000', LOADGEN_PORT: '18081', PORTAL_PORT: '18000', PROMETHEUS_PORT: '19090', ALERTMANAGER_PORT: '19093' };

describe('findStackBinaries', () => {
  it('finds prometheus and either alertmanager name on PATH', () => {
    const bin = join(tmp, 'bin');
    const prom = fakeBin(bin, 'prometheus');
    const am = fakeBin(bin, 'alertmanager');
    expect(findStackBinaries(bin)).toEqual({ prometheus: prom, alertmanager: am });
    expect(findStackBinaries(join(tmp, 'empty'))).toEqual({});
  });

  it('says how to install what is missing', () => {
    expect(missingBinariesMessage({ prometheus: '/p', alertmanager: '/a' })).toBeUndefined();
    const both = missingBinariesMessage({});
    expect(both).toContain('prometheus and alertmanager');
    expect(both).toContain('sudo apt-get install prometheus prometheus-alertmanager');
    expect(missingBinariesMessage({ prometheus: '/p' })).toContain('running without it');
    expect(INSTALL_HINT).toContain('PROMETHEUS_PORT');
  });
});

describe('planStack', () => {
  it('renders the configs for localhost under <data>/stack and starts both binaries on their ports', async () => {
    const data = join(tmp, 'data');
    const plan = await planStack(data, { prometheus: '/usr/bin/prometheus', alertmanager: '/usr/bin/prometheus-alertmanager' }, ports, portEnv);
    expect(plan.specs.map((s) => s.id)).toEqual(['prometheus', 'alertmanager']);
    const [prom, am] = plan.specs;
    expect(prom?.args).toContain(`--web.listen-address=127.0.0.1:19090`);
    expect(prom?.args).toContain(`--storage.tsdb.path=${join(data, 'prometheus')}`);
    expect(am?.args).toContain(`--web.listen-address=127.0.0.1:19093`);
    expect(am?.args).toContain('--cluster.listen-address=');
    // Their start-up chatter stays out of the log stream unless asked for.
    expect(prom?.args).toContain('--log.level=warn');
    expect(existsSync(join(data, 'alertmanager'))).toBe(true);
    const yml = readFileSync(plan.prometheusConfig, 'utf8');
    for (const target of ['127.0.0.1:14000', '127.0.0.1:18081', '127.0.0.1:18000', '127.0.0.1:19090', '127.0.0.1:19093']) expect(yml).toContain(target);
    expect(readFileSync(plan.alertmanagerConfig, 'utf8')).toContain('http://127.0.0.1:18000/api/alerts/webhook');
    expect(plan.telegram).toBe(false);
    // Without Alertmanager installed it is not scraped either (TargetDown would fire for it).
    const verbose = await planStack(data, { prometheus: '/usr/bin/prometheus' }, ports, portEnv, '127.0.0.1', 'info');
    expect(verbose.specs[0]?.args).toContain('--log.level=info');
    const withoutAm = readFileSync(verbose.prometheusConfig, 'utf8');
    expect(withoutAm).toContain('127.0.0.1:19090');
    expect(withoutAm).not.toContain('127.0.0.1:19093');
  });

  it('leaves out what is not installed (no alerting without Alertmanager)', async () => {
    const plan = await planStack(join(tmp, 'data2'), { prometheus: '/usr/bin/prometheus' }, ports, portEnv);
    expect(plan.specs.map((s) => s.id)).toEqual(['prometheus']);
    expect(readFileSync(plan.prometheusConfig, 'utf8')).not.toContain('alertmanagers');
  });
});
