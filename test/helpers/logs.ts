// The one log sink of the tests: a pino destination that keeps every line, as text and parsed.

export interface LogSink {
  /** What createLogger({ destination }) writes to. */
  stream: { write(line: string): void };
  /** Everything written, as written. */
  text(): string;
  /** Every line, parsed (pino writes one JSON object per line). */
  lines(): Record<string, unknown>[];
}

export function logSink(): LogSink {
  let text = '';
  return {
    stream: { write: (line: string) => void (text += line) },
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
