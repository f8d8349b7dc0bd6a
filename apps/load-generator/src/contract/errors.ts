/**
 * A bad input: `{error, field}` with a 4xx status in the API (platform's error handler reads
 * `statusCode` and `field`), exit 2 in the CLI, a message under the field in the page.
 */
export class InputError extends Error {
  constructor(
    readonly field: string | undefined,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
