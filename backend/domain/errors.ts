// Errors the layers below the API throw when a request cannot be served (no such run, wrong state, bad
// value, shutting down). They name the input field to blame; only the API maps them to HTTP status codes.

export type DomainErrorKind = 'not-found' | 'conflict' | 'invalid' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
