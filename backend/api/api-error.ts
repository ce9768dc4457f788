// The API's error: an HTTP status, a message and the input field it blames; domain errors
// (backend/domain/errors.ts) are mapped to it here and nowhere else.
import { DomainError, type DomainErrorKind } from '../domain/errors.js';

/** HTTP status of each kind of domain error (backend/domain/errors.ts). */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = { 'not-found': 404, conflict: 409, invalid: 400, unavailable: 503 };

/** An error the API reports to its caller: HTTP status, message, and the input field it blames, if any. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A domain error as the API reports it; anything else unchanged. */
export function toApiError(err: unknown): unknown {
  return err instanceof DomainError ? new ApiError(DOMAIN_STATUS[err.kind], err.message, err.field) : err;
}
