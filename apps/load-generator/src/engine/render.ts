import { randomUUID } from 'node:crypto';
import { escapeValue, isTemplate, type Template, type TemplateOp } from '../contract/templates.js';
import type { CaptureSpec, PreparedRequest } from '../contract/requests.js';
import type { Method } from '../contract/schemas.js';
import { randomAt, streamSeed } from '@o11y/platform';
import type { CapturePool } from './pools.js';

/**
 * One arrival as templates see it: its index k in the run's schedule (the same in every shard),
 * the run's capture pools, and a random stream that is a function of (seed, k), so {{rand_int}} and
 * {{pick}} replay with the seed. Reused for every arrival of a shard.
 */
export class Arrival {
  k = 0;
  private j = 0;
  private readonly seeds: number[];

  constructor(
    seed: number,
    readonly pools: CapturePool[],
  ) {
    this.seeds = Array.from({ length: 16 }, (_, j) => streamSeed(seed, 16 + j));
  }

  /** Starts arrival k. */
  at(k: number): this {
    this.k = k;
    this.j = 0;
    return this;
  }

  /** The next random number of this arrival, in [0, 1). */
  random(): number {
    const j = this.j++;
    return randomAt(this.seeds[j % 16] as number, this.k + Math.floor(j / 16) * 0x9e3779b1);
  }
}

type Render = (a: Arrival) => string;

function opRenderer(op: TemplateOp, escape: Template['escape'], pool: (name: string) => number): Render {
  const out = (v: string) => escapeValue(v, escape);
  switch (op.op) {
    case 'seq':
      // Numbers need no escaping.
      return (a) => String(a.k + 1);
    case 'uuid':
      return () => randomUUID();
    case 'rand_int': {
      const { min, max } = op;
      return (a) => String(min + Math.floor(a.random() * (max - min + 1)));
    }
    case 'pick': {
      const options = op.options.map(out);
      return (a) => options[Math.floor(a.random() * options.length)] as string;
    }
    case 'var': {
      const i = pool(op.name);
      return (a) => out((a.pools[i] as CapturePool).pick(a.random()) ?? '');
    }
    case 'take': {
      const i = pool(op.name);
      return (a) => out((a.pools[i] as CapturePool).take(a.random()) ?? '');
    }
  }
}

/** A template as a function of the arrival: literal parts concatenated with the values made for it. */
export function compileRenderer(t: Template, pool: (name: string) => number): Render {
  const parts = t.parts.map((p) => (typeof p === 'string' ? p : opRenderer(p, t.escape, pool)));
  return (a) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : p(a);
    return s;
  };
}

/**
 * A request of the mix, ready to send many times from one thread: fixed parts prepared once, the
 * templates turned into renderers once. The header arrays end with the traceparent slot and, when
 * the run logs in and the request has no Authorization header of its own, an authorization slot.
 */
export class RequestRuntime {
  readonly name: string;
  readonly method: Method;
  readonly origin: string;
  readonly url: string;
  readonly fixedPath: string | undefined;
  readonly renderPath: Render | undefined;
  /** A body without templates, as the string it is: written with the head in one string (no Buffer per request). */
  readonly fixedBody: string | undefined;
  readonly renderBody: Render | undefined;
  /** Header arrays without and with the authorization slot (the same array when it has its own). */
  readonly headers: string[];
  readonly authHeaders: string[];
  readonly traceSlot: number;
  /** Header value slots with templates: each expansion gets its own copy of the array. */
  readonly headerRenders: Array<[number, Render]>;
  readonly capture: Array<{ pool: number; path: string[] }>;
  /** Pools this request reads, and how many values one request needs from each. */
  readonly needs: Array<{ pool: number; count: number }>;

  constructor(
    readonly index: number,
    r: PreparedRequest,
    userAgent: string,
    pool: (name: string) => number,
  ) {
    this.name = r.name;
    this.method = r.method;
    this.origin = r.origin;
    this.url = r.url;
    if (isTemplate(r.path)) this.renderPath = compileRenderer(r.path, pool);
    else this.fixedPath = r.path;
    if (isTemplate(r.body)) this.renderBody = compileRenderer(r.body, pool);
    else if (r.body !== undefined) this.fixedBody = r.body;
    // A request's own User-Agent replaces ours.
    const flat: string[] = r.headers.some(([n]) => n === 'user-agent') ? [] : ['user-agent', userAgent];
    this.headerRenders = [];
    for (const [name, value] of r.headers) {
      flat.push(name, '');
      if (isTemplate(value)) this.headerRenders.push([flat.length - 1, compileRenderer(value, pool)]);
      else flat[flat.length - 1] = value;
    }
    this.headers = [...flat, 'traceparent', ''];
    this.traceSlot = this.headers.length - 1;
    const ownAuth = r.headers.some(([n]) => n === 'authorization');
    this.authHeaders = ownAuth ? this.headers : [...this.headers, 'authorization', ''];
    this.capture = r.capture.map((c: CaptureSpec) => ({ pool: pool(c.name), path: c.path }));
    this.needs = r.needs.map((n) => ({ pool: pool(n.name), count: n.count }));
  }

  /** Whether the run's token goes into its authorization slot. */
  get takesToken(): boolean {
    return this.authHeaders !== this.headers;
  }

  path(a: Arrival): string {
    return this.renderPath ? this.renderPath(a) : (this.fixedPath as string);
  }

  body(a: Arrival): string | undefined {
    return this.renderBody ? this.renderBody(a) : this.fixedBody;
  }

  /** A copy of the header array with this arrival's values, or undefined when they are all fixed. */
  expandHeaders(a: Arrival, withToken: boolean): string[] | undefined {
    if (this.headerRenders.length === 0) return undefined;
    const h = [...(withToken ? this.authHeaders : this.headers)];
    for (const [slot, render] of this.headerRenders) h[slot] = render(a);
    return h;
  }

  /** Whether every pool it reads holds enough values for one request. */
  canRun(pools: CapturePool[]): boolean {
    for (const n of this.needs) if ((pools[n.pool] as CapturePool).size < n.count) return false;
    return true;
  }
}

/** Follows a dot path into parsed JSON (numeric segments index arrays); a string, number or boolean comes back as text. */
export function valueAt(json: unknown, path: readonly string[]): string | undefined {
  let v: unknown = json;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
