import { trace } from '@opentelemetry/api';
import { LogController, type FastifyBaseLogger } from 'fastify';
import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths never written to logs: credentials arrive in bodies and headers. */
export const REDACT_PATHS = [
  'password',
  'token',
  '*.password',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'auth.password',
  '*.auth.password',
];

export interface LoggerConfig {
  name: string;
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/** JSON logs, one object per line, ISO time, credentials redacted. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level ?? process.env.LOG_LEVEL ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    // Every line written inside a traced request carries its ids, without a child logger per request.
    mixin: () => {
      const sc = trace.getActiveSpan()?.spanContext();
      return sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
    },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
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
