// The few error types the app answers with. Anything else is a bug: logged, answered generically.
export class AppError extends Error {
  readonly status: number = 500;
  readonly code: string = "internal";
  constructor(message: string, readonly details?: unknown) {
    super(message);
    this.name = new.target.name;
  }
}
export class InvalidError extends AppError {
  override readonly status = 400;
  override readonly code = "invalid";
}
export class UnauthorizedError extends AppError {
  override readonly status = 401;
  override readonly code = "unauthorized";
}
export class ForbiddenError extends AppError {
  override readonly status = 403;
  override readonly code = "forbidden";
}
export class NotFoundError extends AppError {
  override readonly status = 404;
  override readonly code = "not_found";
}
export class ConflictError extends AppError {
  override readonly status = 409;
  override readonly code = "conflict";
}
export class TooManyRequestsError extends AppError {
  override readonly status = 429;
  override readonly code = "too_many_requests";
}
export class PayloadTooLargeError extends AppError {
  override readonly status = 413;
  override readonly code = "too_large";
}
export class UnsupportedMediaTypeError extends AppError {
  override readonly status = 415;
  override readonly code = "unsupported_media_type";
}
/** The annotator is paused from a project (gold accuracy under the threshold); the message says why. */
export class PausedError extends AppError {
  override readonly status = 403;
  override readonly code = "paused";
}
