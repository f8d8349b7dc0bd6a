import { type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Thrown when the environment does not describe a valid configuration; `main` turns it into exit 1. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads configuration from environment variables once, at start.
 * The schema's property names are the variable names; TypeBox converts strings to
 * numbers/booleans, applies defaults, and every problem is reported at once.
 */
export function loadConfig<T extends TSchema>(schema: T, env: Record<string, string | undefined> = process.env): Static<T> {
  const props = (schema as unknown as { properties?: Record<string, unknown> }).properties ?? {};
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(props)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') input[key] = raw;
  }
  const converted = Value.Convert(schema, Value.Default(schema, input));
  if (Value.Check(schema, converted)) return converted as Static<T>;
  const problems = [...Value.Errors(schema, converted)].map((e) => {
    const name = e.path.replace(/^\//, '') || '(root)';
    const got = input[name];
    return `${name}: ${e.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
  });
  throw new ConfigError([...new Set(problems)]);
}

/** Runs `main`, printing configuration errors clearly and exiting 1 instead of a stack trace. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
    } else {
      console.error(err);
    }
    process.exit(1);
  });
}
