// The load generator benchmark's target: a local nginx-light with one worker and tiny static answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports.js';
import { stopChild, waitFor } from '../../test/helpers/process.js';

/** What the target itself saw over a stretch of the benchmark (its access log). */
export interface TargetView {
  /** Requests nginx logged. */
  requests: number;
  /** nginx's own $request_time, ms (its resolution is 1 ms: a `return 200` reads 0). */
  request_time_p50_ms: number;
  request_time_p99_ms: number;
}

export interface Nginx {
  url: string;
  /** Starts a stretch of the access log (only with `accessLog`). */
  mark(): void;
  /** What nginx logged since mark(), once its buffer is flushed. */
  view(): Promise<TargetView>;
  stop(): Promise<void>;
}

/**
 * nginx with one worker process, keep-alive without limits, `return 200 "ok"` on every path and
 * `{"id": $request_id}` on /api/tasks (the journey mix captures it). With `accessLog`, each request
 * is logged as `$request_time` (buffered, flushed every second): the target's own count and timing,
 * next to the generator's, when no wrk2 is given to compare with.
 */
export async function startNginx(opts: { accessLog?: boolean } = {}): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'o11y-bench-nginx-'));
  const port = await freePort();
  const log = join(dir, 'access.log');
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
  ${opts.accessLog ? `log_format timing '$request_time';\n  access_log ${log} timing buffer=256k flush=1s;` : 'access_log off;'}
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / { default_type text/plain; return 200 "ok\\n"; }
    # The journey mix's routes: every answer carries a fresh id to capture.
    location /api/tasks { default_type application/json; return 200 '{"id":"$request_id"}'; }
  }
}
`,
  );
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(url, 5000, () => {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode} (see ${dir}/error.log)`);
  });
  let offset = 0;
  const size = () => {
    try {
      return statSync(log).size;
    } catch {
      return 0;
    }
  };
  return {
    url,
    mark: () => {
      offset = size();
    },
    view: async () => {
      // The log is flushed every second.
      await new Promise((r) => setTimeout(r, 1500));
      const text = readFileSync(log, 'utf8').slice(offset);
      const times = text
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(l) * 1000)
        .sort((a, b) => a - b);
      const at = (p: number) => times[Math.min(times.length - 1, Math.max(0, Math.ceil((p / 100) * times.length) - 1))] ?? 0;
      return { requests: times.length, request_time_p50_ms: at(50), request_time_p99_ms: at(99) };
    },
    // SIGQUIT: nginx's graceful stop.
    stop: async () => {
      await stopChild(child, 'SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
