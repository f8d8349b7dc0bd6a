/**
 * The classroom overlay: deploy/kubernetes/overlays/classroom/generate.mjs turns a list of names
 * into one lab per learner (own namespace, own tokens, own hosts), and lab-env.mjs makes a
 * lab.env with fresh secrets. Runs the real scripts on a temporary copy of the tree.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CLASSROOM,
  copyTree,
  generated,
  get,
  kustomize,
  renderLabs,
  runNode,
  secretData,
  selects,
  type RenderedLabs,
} from '../helpers/kubernetes.ts';
import { REPO_ROOT } from '../helpers/process.ts';

const SECRET_KEYS = ['LAB_TOKEN', 'ADMIN_TOKEN', 'ALERT_WEBHOOK_TOKEN', 'JWT_SECRET', 'GRAFANA_ADMIN_PASSWORD'];
const envOf = (text: string) => Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]])) as Record<string, string>;
const mode = (file: string) => statSync(file).mode & 0o777;

describe('the rendered classroom', () => {
  let labs: RenderedLabs;
  beforeAll(() => {
    labs = renderLabs();
  });
  afterAll(() => labs?.cleanup());

  it('one complete lab per learner, each in its own namespace labelled with the learner', () => {
    const objects = labs.overlays.classroom;
    const single = labs.overlays.single;
    for (const learner of CLASSROOM.learners) {
      const ns = `lab-${learner}`;
      const mine = objects.filter((o) => o.metadata.namespace === ns);
      // The same objects as the single lab, only namespaced for this learner.
      const kinds = (objs: typeof objects) => objs.filter((o) => o.kind !== 'Namespace').map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
      expect(kinds(mine)).toEqual(kinds(single));
      expect(get(objects, 'Namespace', ns).metadata.labels?.['o11y.lab/learner']).toBe(learner);
    }
  });

  it('each learner has their own tokens; the Telegram settings are the class\'s (base/lab.env)', () => {
    const objects = labs.overlays.classroom;
    const base = envOf(readFileSync(join(labs.root, 'deploy/kubernetes/base/lab.env'), 'utf8'));
    const secrets = CLASSROOM.learners.map((l) => secretData(generated(objects, 'Secret', 'lab-secrets', `lab-${l}`)));
    for (const [i, s] of secrets.entries()) {
      const learnerEnv = envOf(readFileSync(join(labs.root, 'deploy/kubernetes/overlays/classroom/labs', CLASSROOM.learners[i] as string, 'lab.env'), 'utf8'));
      for (const k of SECRET_KEYS) {
        expect(s[k], k).toBe(learnerEnv[k]);
        expect(s[k], k).not.toBe(base[k]);
        expect(s[k]?.length, k).toBeGreaterThanOrEqual(32);
      }
      for (const k of ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_CHAT_ID', 'TELEGRAM_API_URL']) expect(s[k], k).toBe(base[k]);
    }
    const all = secrets.flatMap((s) => SECRET_KEYS.map((k) => s[k]));
    expect(new Set(all).size).toBe(all.length);
  });

  it('a learner reaches their lab at <name>.<domain>, the other UIs at <service>.<name>.<domain>', () => {
    const objects = labs.overlays.classroom;
    for (const learner of CLASSROOM.learners) {
      const ns = `lab-${learner}`;
      const domain = `${learner}.${CLASSROOM.domain}`;
      const hosts = (get(objects, 'Ingress', 'lab', ns).spec.rules as { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[]).map(
        (r) => [r.http.paths[0]?.backend.service.name, r.host],
      );
      for (const [service, host] of hosts) expect(host, `${ns} ${service}`).toBe(service === 'portal' ? domain : `${service}.${domain}`);
      const settings = generated(objects, 'ConfigMap', 'lab-settings', ns).data ?? {};
      expect(settings.LAB_DOMAIN).toBe(domain);
      expect(settings.PUBLIC_BASE_URL).toBe(`http://${domain}`);
      expect(settings.GRAFANA_URL).toBe(`http://grafana.${domain}`);
    }
  });

  it('the network policy admits the lab itself and non-learner namespaces, never another learner', () => {
    const objects = labs.overlays.classroom;
    const policy = get(objects, 'NetworkPolicy', 'lab', 'lab-alice');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(selects(policy.spec.podSelector, { 'app.kubernetes.io/name': 'todo-api' })).toBe(true);
    const peers = policy.spec.ingress[0].from as { podSelector?: object; namespaceSelector?: object }[];
    const admits = (nsLabels: Record<string, string>, sameNamespace: boolean) =>
      peers.some((p) => (p.namespaceSelector ? selects(p.namespaceSelector, nsLabels) : sameNamespace));
    const bob = get(objects, 'Namespace', 'lab-bob').metadata.labels ?? {};
    expect(admits(bob, false)).toBe(false);
    expect(admits({ 'kubernetes.io/metadata.name': 'ingress-nginx' }, false)).toBe(true);
    expect(admits(get(objects, 'Namespace', 'lab-alice').metadata.labels ?? {}, true)).toBe(true);
  });
});

describe('generate.mjs', () => {
  let root: string;
  let script: string;
  let out: string;
  beforeAll(() => {
    root = copyTree();
    script = join(root, 'deploy/kubernetes/overlays/classroom/generate.mjs');
    out = join(root, 'labs');
    writeFileSync(join(root, 'deploy/kubernetes/base/lab.env'), readFileSync(join(root, 'deploy/kubernetes/base/lab.env.sample'), 'utf8'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('takes the names from a file, writes private lab.env files and a learners.csv with sign-in links', () => {
    const list = join(root, 'learners.txt');
    writeFileSync(list, '# period 1\nalice\n\ncarol  # late\n');
    const r = runNode(script, ['--domain', 'class.example.com', '--out', out, '--learners', list, 'dave'], root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 labs');
    expect(r.stdout).toContain('http://carol.class.example.com/');
    for (const n of ['alice', 'carol', 'dave']) expect(mode(join(out, n, 'lab.env')), n).toBe(0o600);
    expect(mode(join(out, 'learners.csv'))).toBe(0o600);
    const rows = readFileSync(join(out, 'learners.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('name,namespace,portal,sign_in,grafana_user,grafana_password');
    const alice = envOf(readFileSync(join(out, 'alice', 'lab.env'), 'utf8'));
    expect(rows[1]).toBe(`alice,lab-alice,http://alice.class.example.com/,http://alice.class.example.com/login?token=${alice.LAB_TOKEN},admin,${alice.GRAFANA_ADMIN_PASSWORD}`);
    expect((parse(readFileSync(join(out, 'kustomization.yaml'), 'utf8')) as { resources: string[] }).resources).toEqual(['alice', 'carol', 'dave']);
    // It renders, from a directory outside deploy/kubernetes too.
    expect(kustomize(out).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual(['lab-alice', 'lab-carol', 'lab-dave']);
  });

  it('a second run keeps every learner\'s tokens, adds the new ones and reports the ones left out', () => {
    const before = readFileSync(join(out, 'alice', 'lab.env'), 'utf8');
    const r = runNode(script, ['--domain', 'class.example.com', '--out', out, 'alice', 'erin'], root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 labs');
    expect(r.stdout).toContain('(1 new)');
    expect(r.stdout).toMatch(/Not in the list any more .*: carol, dave/);
    expect(readFileSync(join(out, 'alice', 'lab.env'), 'utf8')).toBe(before);
    expect((parse(readFileSync(join(out, 'kustomization.yaml'), 'utf8')) as { resources: string[] }).resources).toEqual(['alice', 'erin']);
  });

  it('rejects names that cannot be namespaces or hosts, and duplicates, naming each one (exit 2)', () => {
    const r = runNode(script, ['--out', join(root, 'bad'), 'alice', 'Bob', 'анна', 'x-', 'alice', 'a'.repeat(41)], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"Bob": not a DNS label');
    expect(r.stderr).toContain('"анна": not a DNS label');
    expect(r.stderr).toContain('"x-": not a DNS label');
    expect(r.stderr).toContain('"alice": listed twice');
    expect(r.stderr).toContain(`"${'a'.repeat(41)}": not a DNS label`);
    expect(existsSync(join(root, 'bad'))).toBe(false);
    expect(runNode(script, ['--out', join(root, 'bad')], root).stderr).toContain('no learners');
    expect(runNode(script, ['--domain', 'not a domain', 'alice'], root).stderr).toContain('--domain: "not a domain" is not a DNS name');
  });

  it('refuses to start without base/lab.env, saying how to make one', () => {
    const labEnv = join(root, 'deploy/kubernetes/base/lab.env');
    const saved = readFileSync(labEnv, 'utf8');
    rmSync(labEnv);
    try {
      const r = runNode(script, ['--out', join(root, 'none'), 'alice'], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('base/lab.env is missing');
      expect(r.stderr).toContain('node deploy/kubernetes/lab-env.mjs > deploy/kubernetes/base/lab.env');
    } finally {
      writeFileSync(labEnv, saved);
    }
  });
});

describe('lab-env.mjs', () => {
  it('prints lab.env.sample with a fresh random value for every CHANGE-ME, Telegram left empty', () => {
    const sample = readFileSync(join(REPO_ROOT, 'deploy/kubernetes/base/lab.env.sample'), 'utf8');
    const run = () => spawnSync(process.execPath, [join(REPO_ROOT, 'deploy/kubernetes/lab-env.mjs')], { encoding: 'utf8' }).stdout;
    const [a, b] = [envOf(run()), envOf(run())];
    const s = envOf(sample);
    expect(Object.keys(a)).toEqual(Object.keys(s));
    for (const [k, v] of Object.entries(s)) {
      if (v.startsWith('CHANGE-ME')) {
        expect(a[k], k).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(a[k], k).not.toBe(b[k]);
      } else expect(a[k], k).toBe(v);
    }
    expect(Object.keys(s).filter((k) => s[k]?.startsWith('CHANGE-ME')).sort()).toEqual([...SECRET_KEYS].sort());
  });

  it('lab.env and the generated classroom are git-ignored', () => {
    const r = spawnSync('git', ['check-ignore', 'deploy/kubernetes/base/lab.env', 'deploy/kubernetes/overlays/classroom/labs/alice/lab.env'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual(['deploy/kubernetes/base/lab.env', 'deploy/kubernetes/overlays/classroom/labs/alice/lab.env']);
  });
});
