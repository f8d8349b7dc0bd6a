/** A bad input that becomes `{error, field}` with a 4xx status in the API and exit 2 in the CLI. */
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
