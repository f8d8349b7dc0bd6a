import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERTMANAGER_TEMPLATES_DIR, PROMETHEUS_RULES_DIR, PROMETHEUS_TESTS_DIR, writeStackConfig, type Env } from '@o11y/stack';
import { requireBinary, runTool } from './servers.ts';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

const ruleFiles = readdirSync(PROMETHEUS_RULES_DIR).filter((f) => f.endsWith('.yml')).sort();
const testFiles = readdirSync(PROMETHEUS_TESTS_DIR).filter((f) => f.endsWith('.test.yml')).sort();
const rules = ruleFiles.flatMap((f) =>
  (parse(readFileSync(join(PROMETHEUS_RULES_DIR, f), 'utf8')) as RuleFile).groups.flatMap((g) => g.rules.map((r) => ({ file: f, ...r }))),
);
const alerts = rules.filter((r) => r.alert);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'o11y-promtool-'));
  dirs.push(d);
  return d;
}

const TELEGRAM: Env = { TELEGRAM_BOT_TOKEN: '123456:ABC-test_token', TELEGRAM_CHAT_ID: '-1001234567890', TELEGRAM_API_URL: 'http://127.0.0.1:1' };
const renderings: [string, Env][] = [
  ['embedded without Telegram', { MODE: 'embedded' }],
  ['embedded with Telegram', { MODE: 'embedded', ...TELEGRAM }],
  ['compose without Telegram', { MODE: 'compose', PUBLIC_BASE_URL: 'http://lab.example' }],
  ['compose with Telegram', { MODE: 'compose', PUBLIC_BASE_URL: 'https://lab.example', GRAFANA_URL: 'https://grafana.lab.example', ...TELEGRAM }],
];

describe('Prometheus rules (promtool)', () => {
  it('promtool check rules accepts every rule file', () => {
    const r = runTool(requireBinary('promtool'), ['check', 'rules', ...ruleFiles.map((f) => join(PROMETHEUS_RULES_DIR, f))]);
    expect(r.output).not.toMatch(/FAILED/);
    expect(r.code, r.output).toBe(0);
  });

  it('promtool test rules passes every unit test file', () => {
    const r = runTool(requireBinary('promtool'), ['test', 'rules', ...testFiles], PROMETHEUS_TESTS_DIR);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length).toBe(testFiles.length);
  });

  it('every rule file has a test file beside it, and every alert is tested', () => {
    expect(testFiles.map((f) => basename(f, '.test.yml'))).toEqual(ruleFiles.map((f) => basename(f, '.yml')));
    const tested = new Set(
      testFiles.flatMap((f) =>
        ((parse(readFileSync(join(PROMETHEUS_TESTS_DIR, f), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests ?? [])
          .flatMap((t) => t.alert_rule_test ?? [])
          .filter((a) => a.exp_alerts.length > 0)
          .map((a) => a.alertname),
      ),
    );
    for (const a of alerts) expect(tested, `${a.alert} never shown firing`).toContain(a.alert);
  });

  it('the alerts the platform promises exist with their severities', () => {
    const severity = (name: string) => new Set(alerts.filter((a) => a.alert === name).map((a) => a.labels?.severity));
    expect(severity('HighLatency')).toEqual(new Set(['critical']));
    expect(severity('HighDBLoad')).toEqual(new Set(['warning']));
    expect(severity('FaultInjectionActive')).toEqual(new Set(['info']));
    for (const name of ['HighErrorRate', 'TargetDown', 'LoadGeneratorDropping']) expect(severity(name).size).toBe(1);
    expect(alerts.filter((a) => a.alert === 'TodoApiErrorBudgetBurn')).toHaveLength(4);
    const high = alerts.find((a) => a.alert === 'HighLatency');
    expect(high?.for).toBe('30s');
    expect(high?.expr).toMatch(/histogram_quantile\(0\.99,[\s\S]*route="\/api\/tasks", method="GET"[\s\S]*\[1m\][\s\S]*> 0\.5/);
  });

  it('every alert has a severity, summary, description, current value, runbook and dashboard', () => {
    for (const a of alerts) {
      expect(['critical', 'warning', 'info'], `${a.alert} severity`).toContain(a.labels?.severity);
      for (const key of ['summary', 'description', 'value', 'runbook', 'dashboard']) {
        expect(a.annotations?.[key], `${a.alert} (${a.file}) lacks ${key}`).toBeTruthy();
      }
      expect(a.annotations?.dashboard).toMatch(/^\/d\/o11y-[a-z-]+$/);
    }
  });
});

describe.each(renderings)('rendering: %s', (_name, env) => {
  it('promtool check config and amtool check-config accept it', async () => {
    const out = tempDir();
    const w = await writeStackConfig(out, env);
    const prom = runTool(requireBinary('promtool'), ['check', 'config', w.prometheusConfig]);
    expect(prom.code, prom.output).toBe(0);
    expect(prom.output).toContain('SUCCESS');
    let amConfig = w.alertmanagerConfig;
    if (w.telegramTokenFile) {
      // Compose renders bot_token_file for its Alertmanager (0.26+); the amtool here is Debian's
      // 0.25, which predates the field. It checks everything else, with the field swapped for its
      // 0.25 spelling and the token read back from the file that was written.
      const yml = readFileSync(w.alertmanagerConfig, 'utf8');
      expect(yml).toContain(`bot_token_file: ${w.telegramTokenFile}`);
      amConfig = join(out, 'alertmanager', 'as-0.25.yml');
      writeFileSync(amConfig, yml.replace(`bot_token_file: ${w.telegramTokenFile}`, `bot_token: ${readFileSync(w.telegramTokenFile, 'utf8').trim()}`));
    }
    const am = runTool(requireBinary('amtool'), ['check-config', amConfig]);
    expect(am.code, am.output).toBe(0);
    expect(am.output).toContain('SUCCESS');
    expect(am.output).toContain(env.TELEGRAM_BOT_TOKEN ? '2 receivers' : '1 receivers');
  });
});

describe('notification template (amtool template render)', () => {
  it('renders the Telegram message with the installation links, escaping alert text for HTML', () => {
    const text =
      '{{ define "o11y.grafana_url" }}https://grafana.lab.example{{ end }}' +
      '{{ template "o11y.telegram.alert" (index .Alerts 0) }}|{{ template "o11y.telegram.message" . }}';
    const r = runTool(requireBinary('amtool'), ['template', 'render', `--template.glob=${join(ALERTMANAGER_TEMPLATES_DIR, '*.tmpl')}`, `--template.text=${text}`]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('<a href="https://grafana.lab.example/d/o11y-overview">Grafana overview</a>');
    expect(r.output).toContain('Prometheus query</a>');
  });
});
