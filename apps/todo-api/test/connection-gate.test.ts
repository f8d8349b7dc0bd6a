// The connection gate's accounting: statements beyond the pool queue in the driver (counted as
// pending, their wait measured until a connection frees); under the pool_limit fault they wait in
// the gate itself, at most the fault's (and never more than the pool's) connections in the driver.
import { describe, expect, it } from 'vitest';
import { ConnectionGate } from '../src/db/connection-gate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConnectionGate', () => {
  it('without the fault, hands every statement to the driver at once and counts those beyond the pool as waiting', async () => {
    const waits: number[] = [];
    const gate = new ConnectionGate(2, () => undefined, (s) => waits.push(s));
    expect([gate.acquire(), gate.acquire(), gate.acquire(), gate.acquire()]).toEqual([undefined, undefined, undefined, undefined]);
    expect({ used: gate.used, pending: gate.pending, max: gate.max }).toEqual({ used: 2, pending: 2, max: 2 });
    // The two that found a free connection waited nothing; the queued ones are not measured yet.
    expect(waits).toHaveLength(2);
    expect(Math.max(...waits)).toBeLessThan(0.01);
    await sleep(60);
    gate.release(); // a connection frees: the oldest queued statement runs on it
    expect(waits).toHaveLength(3);
    expect(waits[2]).toBeGreaterThanOrEqual(0.05);
    expect({ used: gate.used, pending: gate.pending }).toEqual({ used: 2, pending: 1 });
    gate.release();
    gate.release();
    gate.release();
    expect(waits).toHaveLength(4);
    expect({ used: gate.used, pending: gate.pending }).toEqual({ used: 0, pending: 0 });
  });

  it('under the fault, holds statements back in arrival order until one of its connections frees', async () => {
    const waits: number[] = [];
    let limit: number | undefined = 1;
    const gate = new ConnectionGate(10, () => limit, (s) => waits.push(s));
    expect(gate.acquire()).toBeUndefined();
    const order: number[] = [];
    const second = gate.acquire()?.then(() => order.push(2));
    const third = gate.acquire()?.then(() => order.push(3));
    expect(second).toBeInstanceOf(Promise);
    expect({ used: gate.used, pending: gate.pending, max: gate.max }).toEqual({ used: 1, pending: 2, max: 1 });
    await sleep(60);
    gate.release();
    await second;
    expect(order).toEqual([2]);
    expect(waits[1]).toBeGreaterThanOrEqual(0.05);
    expect({ used: gate.used, pending: gate.pending }).toEqual({ used: 1, pending: 1 });
    // The fault ends: whoever still waits goes at once.
    limit = undefined;
    gate.admit();
    await third;
    expect(order).toEqual([2, 3]);
    expect({ used: gate.used, pending: gate.pending, max: gate.max }).toEqual({ used: 2, pending: 0, max: 10 });
  });

  it('never lets more statements into the driver than the pool has, even when the fault allows more', () => {
    const gate = new ConnectionGate(2, () => 5);
    expect(gate.acquire()).toBeUndefined();
    expect(gate.acquire()).toBeUndefined();
    expect(gate.acquire()).toBeInstanceOf(Promise);
    expect({ used: gate.used, pending: gate.pending, max: gate.max }).toEqual({ used: 2, pending: 1, max: 2 });
  });
});
