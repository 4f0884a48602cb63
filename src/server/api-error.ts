/**
 * @module Errors as the OpenAI API returns them: an HTTP status and the envelope
 * `{"error": {"message", "type", "param", "code"}}`. Clients (openai-node and friends) pick their
 * exception class from the status, so each status here is the one OpenAI uses for the case.
 */

/** The `type` values OpenAI and vLLM send. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error';

/** The wire shape of an error response. */
export interface ApiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: ApiErrorType;
    readonly param: string | null;
    readonly code: string | null;
  };
}

/** An error the API answers with; thrown by route code, rendered by the app's error handler. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers (e.g. `retry-after`, `allow`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: {
    statusCode: number;
    type: ApiErrorType;
    message: string;
    param?: string | null;
    code?: string | null;
    headers?: Readonly<Record<string, string>>;
  }) {
    super(options.message);
    this.name = 'ApiError';
    this.statusCode = options.statusCode;
    this.type = options.type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): ApiErrorBody {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

/** 400 for a malformed body or a field out of range; `param` names the field. */
export function invalidRequest(message: string, param: string | null = null, code?: string) {
  return new ApiError({
    statusCode: 400,
    type: 'invalid_request_error',
    message,
    param,
    code: code ?? null,
  });
}

/** 400 when prompt + completion cannot fit the context window (OpenAI's wording and code). */
export function contextLengthExceeded(options: {
  maxModelLen: number;
  promptTokens: number;
  completionTokens: number | undefined;
  param: string;
}): ApiError {
  const { maxModelLen, promptTokens, completionTokens, param } = options;
  const requested =
    completionTokens === undefined
      ? `However, your messages resulted in ${promptTokens} tokens`
      : `However, you requested ${promptTokens + completionTokens} tokens (${promptTokens} in ` +
        `the messages, ${completionTokens} in the completion)`;
  return invalidRequest(
    `This model's maximum context length is ${maxModelLen} tokens. ${requested}. Please reduce ` +
      'the length of the messages or completion.',
    param,
    'context_length_exceeded',
  );
}

/** 404 for a model this server does not serve. */
export function modelNotFound(model: string): ApiError {
  return new ApiError({
    statusCode: 404,
    type: 'invalid_request_error',
    message: `The model \`${model}\` does not exist.`,
    param: 'model',
    code: 'model_not_found',
  });
}

/** 401 for a missing or wrong API key. */
export function invalidApiKey(present: boolean): ApiError {
  return new ApiError({
    statusCode: 401,
    type: 'invalid_request_error',
    message: present
      ? 'Incorrect API key provided.'
      : "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.",
    code: 'invalid_api_key',
  });
}

/** 429 when the waiting queue is over `--max-waiting`. */
export function queueFull(options: { waiting: number; maxWaiting: number; retryAfterS: number }) {
  return new ApiError({
    statusCode: 429,
    type: 'rate_limit_error',
    message:
      `The server is overloaded: ${options.waiting} requests are waiting (limit ` +
      `${options.maxWaiting}). Retry after ${options.retryAfterS} s.`,
    code: 'rate_limit_exceeded',
    headers: { 'retry-after': String(options.retryAfterS) },
  });
}
