/**
 * Reads the Prometheus text exposition format (and OpenMetrics, exemplars ignored) into samples, so
 * tests assert metric values rather than the presence of a name: a `# HELP` line proves nothing.
 */

export interface Sample {
  /** The sample's name as exposed: `x_bucket`, `x_sum`, `x_count`, `x_total`, … */
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+.*)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Every sample of an exposition; throws on a line it cannot read (a malformed exposition is a bug). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    // An OpenMetrics exemplar follows " # " after the value; it is not part of the sample.
    const line = raw.split(' # ')[0]?.trim() ?? '';
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not an exposition line: ${raw}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l; l = LABEL.exec(body)) {
      labels[l[1] as string] = unescape(l[2] as string);
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`unreadable labels in: ${raw}`);
    samples.push({ name: m[1] as string, labels, value: parseValue(m[3] as string) });
  }
  return samples;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** The samples named `name` whose labels include every given label. */
export function samplesOf(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the sample with exactly these labels, or undefined when there is no such series. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value;
}

/**
 * Each series of a histogram (label sets without `le`) with its count, sum and cumulative buckets,
 * keyed by the series' labels as "k=v,k=v" in label order.
 */
export function histogramSeries(samples: Sample[], name: string): Map<string, { labels: Record<string, string>; count: number; sum: number; buckets: Map<string, number> }> {
  const out = new Map<string, { labels: Record<string, string>; count: number; sum: number; buckets: Map<string, number> }>();
  const entry = (labels: Record<string, string>) => {
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    let e = out.get(key);
    if (!e) {
      e = { labels, count: NaN, sum: NaN, buckets: new Map() };
      out.set(key, e);
    }
    return e;
  };
  for (const s of samples) {
    if (s.name === `${name}_count`) entry(s.labels).count = s.value;
    else if (s.name === `${name}_sum`) entry(s.labels).sum = s.value;
    else if (s.name === `${name}_bucket`) {
      const { le, ...rest } = s.labels;
      entry(rest).buckets.set(le as string, s.value);
    }
  }
  return out;
}

/** GET <base>/metrics over HTTP (the Prometheus text format, as a scraper without OpenMetrics asks). */
export async function scrape(base: string, path = '/metrics'): Promise<Sample[]> {
  const res = await fetch(`${base}${path}`, { headers: { accept: 'text/plain;version=0.0.4' }, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`${base}${path} answered ${res.status}`);
  return parseExposition(await res.text());
}
