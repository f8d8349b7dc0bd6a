import { LogController, type FastifyBaseLogger } from 'fastify';
import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths never written to logs: credentials arrive in bodies, headers and run specs. Explicit paths
 * only: pino's wildcard paths (`*.password`) walk every key of every line and cost ~3 µs per request
 * line (measured), a third of the request-logging budget; these cost nothing measurable.
 */
export const REDACT_PATHS = [
  'password',
  'token',
  'authorization',
  'cookie',
  'body.password',
  'body.token',
  'auth.password',
  'auth.token',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'target.headers.authorization',
  'spec.auth.password',
  'err.password',
  'err.token',
];

/**
 * `,"time":"<ISO 8601>"` for a log line: pino's isoTime, formatted once per millisecond. Under load
 * many lines share a millisecond, and a Date plus toISOString per line cost ~3 µs of a request's
 * telemetry budget (measured by bench/todo-api.bench.ts).
 */
export function isoTimeCached(): () => string {
  let ms = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/** Bytes of log lines held before a write, if the end of the event-loop turn has not come first. */
const COALESCE_BYTES = 8 * 1024;

let stdout: pino.DestinationStream | undefined;

/**
 * The process's stdout for logs (one per process, shared by every logger). Lines logged during one
 * turn of the event loop go out together in one synchronous write at its end (setImmediate), or as
 * soon as 8 KiB are waiting (sonic-boom writes at most 16 KiB at once). At low traffic a line is
 * written at once; under load one write carries the lines of many requests. Measured on this kind
 * of machine: a synchronous write() costs 1–3 µs of CPU, an asynchronous one (libuv's thread pool)
 * 26–34 µs, so one asynchronous write per few lines was ~8 µs of every request's telemetry.
 * What is still buffered when the process exits is written by the 'exit' handler.
 */
export function stdoutDestination(): pino.DestinationStream {
  if (stdout) return stdout;
  const sink = pino.destination({ dest: 1, sync: true, minLength: COALESCE_BYTES });
  let scheduled = false;
  // Whether lines were written since the last flush (sonic-boom's flush writes even an empty buffer).
  let pending = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    pending = false;
    try {
      sink.flush();
    } catch {
      // Already ended: nothing is left to write.
    }
  };
  process.once('exit', flush);
  stdout = {
    write(line: string) {
      sink.write(line);
      pending = true;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    // logger.flush(cb) reaches it: what is buffered goes out (synchronously), then cb.
    flush: (cb?: (err?: Error) => void) => {
      flush();
      cb?.();
    },
  } as pino.DestinationStream;
  return stdout;
}

export interface LoggerConfig {
  name: string;
  level?: string;
  /** Where to write; defaults to stdout (stdoutDestination). Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/** JSON logs, one object per line, ISO time, credentials redacted. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? process.env.LOG_LEVEL ?? 'info',
    timestamp: isoTimeCached(),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, config.destination ?? stdoutDestination());
}

export type { Logger };

/**
 * The Fastify options every app uses for logging: our pino instance, and Fastify's own
 * per-request lines off because telemetryPlugin writes one richer line per request.
 */
export function fastifyLogging(logger: Logger): { loggerInstance: FastifyBaseLogger; logController: LogController } {
  return {
    loggerInstance: logger as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  };
}
