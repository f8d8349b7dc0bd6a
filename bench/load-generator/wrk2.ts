// wrk2 (Gil Tene's constant-throughput wrk) as the reference: the bench runs a binary it is given
// (WRK2=/path/to/wrk), never builds or downloads one.
import { spawn } from 'node:child_process';

export interface Wrk2Result {
  /** Requests it completed. */
  requests: number;
  /** Its latency percentiles, ms (corrected for coordinated omission: from the intended time, like ours). */
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  /** Its CPU (user + system) per request, µs. */
  cpu_us_per_request: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** "1.07ms", "880.00us", "1.02s" → ms. */
function toMs(value: string, unit: string): number {
  return Number(value) * (UNIT_MS[unit] ?? NaN);
}

/** Reads wrk2's `--latency` report. */
export function parseWrk2(out: string): Omit<Wrk2Result, 'cpu_us_per_request'> {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p.replace('.', '\\.')}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`wrk2 output has no ${p}% line:\n${out}`);
    return toMs(m[1] as string, m[2] as string);
  };
  const n = /^\s*(\d+) requests in /m.exec(out);
  if (!n) throw new Error(`wrk2 output has no request count:\n${out}`);
  return { requests: Number(n[1]), p50_ms: pct('50.000'), p99_ms: pct('99.000'), p999_ms: pct('99.900') };
}

/**
 * `wrk2 -t1 -c<connections> -d<seconds>s -R<rate> --latency url`, its CPU read with bash's `times`
 * (the children's user and system time).
 */
export function runWrk2(bin: string, url: string, rate: number, seconds: number, connections = 64): Promise<Wrk2Result> {
  const script = '"$0" "$@"; code=$?; times; exit $code';
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, bin, '-t1', `-c${connections}`, `-d${seconds}s`, `-R${rate}`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`wrk2 exited with ${code}: ${err}${out}`));
      try {
        const r = parseWrk2(out);
        // `times` prints the shell's line, then its children's: "0m0.610s 0m1.500s".
        const lines = out.trim().split('\n');
        const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
        const cpuS = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN;
        resolve({ ...r, cpu_us_per_request: Math.round(((cpuS * 1e6) / Math.max(1, r.requests)) * 10) / 10 });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
