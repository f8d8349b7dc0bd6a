/**
 * A refusal the client can act on: 4xx JSON `{error, field?}` (the platform's error handler reads
 * `statusCode` and `field`). Upstream failures are clients/http.ts' UpstreamError (502) and
 * UnavailableError (503).
 */
export class RequestError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
    /** The body field the refusal is about, when it is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
