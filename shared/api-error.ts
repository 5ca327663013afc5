// The one error of the API contract: a call the core refuses, with a code both transports carry (HTTP status in
// `serve`, the result envelope over IPC) and a message meant for the user. The core throws it, the transports
// turn it into ApiErrorBody, and the renderer's clients turn that back into this same class.

export type ApiErrorCode = 'bad-request' | 'not-found' | 'forbidden' | 'internal' | 'unavailable';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
