/**
 * A bad input: `{error, field}` with a 4xx status in the API (platform's error handler reads
 * `statusCode` and `field`), exit 2 in the CLI, a message under the field in the page.
 */
export class InputError extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
    readonly statusCode = 400,
    /** What went wrong, for the page to say in its language (the message is English). */
    readonly reason?: Reason,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** The kinds of bad input the page words itself; anything else shows the message. */
export type Reason =
  | { code: 'header_line'; line: number }
  | { code: 'header_name' }
  | { code: 'header_value' }
  | { code: 'header_forbidden'; name: string }
  | { code: 'duration' }
  | { code: 'url' }
  | { code: 'required' };
