// The mix's pieces as plain objects: the indexed generator, the draw, the pools, the renderers.
import { describe, expect, it } from 'vitest';
import { prepareRequests } from '../src/contract/requests.js';
import { MixPicker } from '../src/engine/mix.js';
import { CapturePool, POOL_CAPACITY } from '../src/engine/pools.js';
import { Arrival, RequestRuntime, valueAt } from '../src/engine/render.js';
import { seededRandom } from '@o11y/platform';

const fixed = (weight: number) => ({ weight, needs: [], canRun: () => true });

describe('the draw', () => {
  it('draws by weight, the same sequence for the same seed, whatever the stride', () => {
    const mix = () => new MixPicker([fixed(60), fixed(25), fixed(10), fixed(5)], [], 7);
    const single = mix();
    const sequence = Array.from({ length: 20_000 }, (_, k) => single.pick(k));
    // Three shards take k = i, i + 3, …: together they draw what one thread draws.
    const shards = [0, 1, 2].map(() => mix());
    const strided = sequence.map((_, k) => (shards[k % 3] as MixPicker).pick(k));
    expect(strided).toEqual(sequence);
    expect(Array.from({ length: 20_000 }, (_, k) => mix().pick(k))).toEqual(sequence);
    const other = new MixPicker([fixed(60), fixed(25), fixed(10), fixed(5)], [], 8);
    expect(sequence.map((_, k) => other.pick(k))).not.toEqual(sequence);
    const counts = [0, 0, 0, 0];
    for (const i of sequence) counts[i] = (counts[i] as number) + 1;
    expect(counts.map((c) => Math.round((c / sequence.length) * 100))).toEqual([60, 25, 10, 5]);
  });

  it('draws again among the requests that can run when a pool is empty, by their weights', () => {
    const pool = new CapturePool();
    const needy = { weight: 50, needs: [{ pool: 0, count: 1 }], canRun: (p: CapturePool[]) => (p[0] as CapturePool).size > 0 };
    const picker = new MixPicker([fixed(30), needy, fixed(20)], [pool], 3);
    const picks = Array.from({ length: 10_000 }, (_, k) => {
      const i = picker.pick(k);
      return { i, redrawn: picker.redrawn, first: picker.first(k) };
    });
    expect(picks.some((p) => p.i === 1)).toBe(false);
    expect(picks.filter((p) => p.redrawn).length).toBe(picks.filter((p) => p.first === 1).length);
    // 30 : 20 among the two that can run.
    expect(Math.round((picks.filter((p) => p.i === 0).length / picks.length) * 10)).toBe(6);
    pool.add('x');
    expect(Array.from({ length: 100 }, (_, k) => picker.pick(k)).includes(1)).toBe(true);
  });
});

describe('capture pools', () => {
  it('keeps exactly the newest 10 000 values when nothing is taken', () => {
    const pool = new CapturePool();
    for (let i = 0; i < POOL_CAPACITY + 500; i++) pool.add(`v${i}`);
    expect(pool.size).toBe(POOL_CAPACITY);
    const all = new Set(Array.from({ length: POOL_CAPACITY }, () => pool.take(0)));
    expect(all.size).toBe(POOL_CAPACITY);
    expect(all.has('v499')).toBe(false);
    expect(all.has('v500')).toBe(true);
    expect(all.has(`v${POOL_CAPACITY + 499}`)).toBe(true);
  });

  it('keeps the newest values up to the capacity; take removes, pick does not', () => {
    const pool = new CapturePool(4);
    for (const v of ['a', 'b', 'c', 'd', 'e']) pool.add(v);
    expect(pool.size).toBe(4);
    const seen = new Set(Array.from({ length: 200 }, (_, i) => pool.pick(i / 200)));
    expect([...seen].sort()).toEqual(['b', 'c', 'd', 'e']);
    const taken = [pool.take(0.3), pool.take(0.3), pool.take(0.9), pool.take(0)];
    expect(taken.sort()).toEqual(['b', 'c', 'd', 'e']);
    expect(pool.size).toBe(0);
    expect(pool.take(0.5)).toBeUndefined();
    expect(pool.pick(0.5)).toBeUndefined();
  });

  it('stays bounded and consistent under a long mix of adds and takes', () => {
    const pool = new CapturePool();
    const live = new Set<string>();
    const next = seededRandom(11);
    let wrong = 0;
    let biggest = 0;
    for (let i = 0; i < 60_000; i++) {
      if (next() < 0.7) {
        pool.add(`v${i}`);
        live.add(`v${i}`);
      } else {
        const v = pool.take(next());
        if (v !== undefined && !live.delete(v)) wrong++;
      }
      biggest = Math.max(biggest, pool.size);
    }
    expect(wrong).toBe(0);
    // Full means at most the capacity, and at least 7/8 of it (holes left by take are compacted by then).
    expect(biggest).toBeLessThanOrEqual(POOL_CAPACITY);
    expect(biggest).toBeGreaterThanOrEqual(POOL_CAPACITY * 0.875);
    // Evictions took the oldest: the newest value is still there, the first ones are gone.
    expect(pool.size).toBeGreaterThan(POOL_CAPACITY * 0.8);
    const all = new Set<string>();
    for (let i = 0; i < pool.size; i++) all.add(pool.take(0) as string);
    expect(all.has('v0')).toBe(false);
    expect([...all].every((v) => live.has(v))).toBe(true);
  });
});

describe('renderers', () => {
  it('expands templates per arrival: seq from k, values escaped for where they go', () => {
    const [make, use] = prepareRequests({
      requests: [
        { name: 'make', method: 'POST', url: 'http://127.0.0.1:9/m?n={{rand_int 1 3}}&c={{pick red|green}}', body: { id: '{{uuid}}', n: 'task {{seq}}' }, capture: { id: 'data.items.0.id' } },
        { name: 'use', method: 'POST', url: 'http://127.0.0.1:9/u/{{id}}', headers: { 'X-Id': '{{take id}}' }, body: { note: '{{id}}' } },
      ],
    });
    const pools = [new CapturePool()];
    const pool = () => 0;
    const m = new RequestRuntime(0, make!, 'ua', pool);
    const u = new RequestRuntime(1, use!, 'ua', pool);
    const a = new Arrival(5, pools);
    expect(m.path(a.at(41))).toMatch(/^\/m\?n=[123]&c=(red|green)$/);
    const body = JSON.parse(String(m.body(a.at(41)))) as { id: string; n: string };
    expect(body.n).toBe('task 42');
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The same arrival replays the same random values.
    expect(m.path(a.at(7))).toBe(m.path(a.at(7)));
    const value = 'a/b "c"\r\nX-Injected: 1';
    pools[0]?.add(value);
    // It reads "id" and takes one: two values at once.
    expect(u.needs).toEqual([{ pool: 0, count: 2 }]);
    expect(u.canRun(pools)).toBe(false);
    pools[0]?.add(value);
    expect(u.canRun(pools)).toBe(true);
    a.at(1);
    expect(u.path(a)).toBe(`/u/${encodeURIComponent(value)}`);
    const headers = u.expandHeaders(a, false) as string[];
    expect(headers[headers.indexOf('x-id') + 1]).toBe('a/b "c"X-Injected: 1');
    expect(pools[0]?.size).toBe(1);
    expect(JSON.parse(String(u.body(a)))).toEqual({ note: value });
  });

  it('follows dot paths into JSON, numbers indexing arrays', () => {
    const json = { id: 7, data: { items: [{ id: 'x1' }, { id: true }] }, obj: { a: 1 } };
    expect(valueAt(json, ['id'])).toBe('7');
    expect(valueAt(json, ['data', 'items', '0', 'id'])).toBe('x1');
    expect(valueAt(json, ['data', 'items', '1', 'id'])).toBe('true');
    expect(valueAt(json, ['obj'])).toBeUndefined();
    expect(valueAt(json, ['data', 'missing', 'id'])).toBeUndefined();
    expect(valueAt([{ id: 'first' }], ['0', 'id'])).toBe('first');
  });
});
