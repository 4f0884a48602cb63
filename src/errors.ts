/**
 * @module The error catalogue: every error the product raises on purpose, each with a stable code
 * that callers branch on (never on message text). The CLI prints `message` on one line and exits
 * non-zero; the server answers with OpenAI-shaped errors of its own (`src/server/api-error.ts`).
 */

export type ErrorCode =
  | 'LLMSIM_ERR_MODEL_NOT_FOUND'
  | 'LLMSIM_ERR_HARDWARE_NOT_FOUND'
  | 'LLMSIM_ERR_INVALID_CATALOG_FILE'
  | 'LLMSIM_ERR_INVALID_CONFIG'
  | 'LLMSIM_ERR_INSUFFICIENT_MEMORY'
  | 'LLMSIM_ERR_INVALID_DISTRIBUTION'
  | 'LLMSIM_ERR_TRACE_FORMAT'
  | 'LLMSIM_ERR_TRACE_PARSE'
  | 'LLMSIM_ERR_IO'
  | 'LLMSIM_ERR_LISTEN';

/** Base class: an expected failure with a stable code and a one-line, user-facing message. */
export class LlmServingSimError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `--model` names nothing in the catalog and is not a readable config.json path. */
export class ModelNotFoundError extends LlmServingSimError {
  readonly suggestions: readonly string[];

  constructor(name: string, suggestions: readonly string[]) {
    const hint = suggestions.length > 0 ? `; closest known: ${suggestions.join(', ')}` : '';
    super('LLMSIM_ERR_MODEL_NOT_FOUND', `unknown model '${name}'${hint}`);
    this.suggestions = suggestions;
  }
}

/** `--hardware` names nothing in the catalog and is not a readable JSON path. */
export class HardwareNotFoundError extends LlmServingSimError {
  readonly suggestions: readonly string[];

  constructor(name: string, suggestions: readonly string[]) {
    const hint = suggestions.length > 0 ? `; closest known: ${suggestions.join(', ')}` : '';
    super('LLMSIM_ERR_HARDWARE_NOT_FOUND', `unknown hardware '${name}'${hint}`);
    this.suggestions = suggestions;
  }
}

/** A catalog file (shipped or user-supplied) does not have the expected shape. */
export class InvalidCatalogFileError extends LlmServingSimError {
  constructor(path: string, detail: string) {
    super('LLMSIM_ERR_INVALID_CATALOG_FILE', `${path}: ${detail}`);
  }
}

/** An engine or workload setting is out of range or inconsistent with another. */
export class InvalidConfigError extends LlmServingSimError {
  constructor(message: string) {
    super('LLMSIM_ERR_INVALID_CONFIG', message);
  }
}

/** The model does not fit: no KV cache left, or less than one max-length sequence. */
export class InsufficientMemoryError extends LlmServingSimError {
  constructor(message: string) {
    super('LLMSIM_ERR_INSUFFICIENT_MEMORY', message);
  }
}

/** A length-distribution spec such as `lognormal:200` cannot be parsed. */
export class InvalidDistributionError extends LlmServingSimError {
  constructor(spec: string, detail: string) {
    super('LLMSIM_ERR_INVALID_DISTRIBUTION', `invalid length distribution '${spec}': ${detail}`);
  }
}

/** A trace file's format cannot be recognised. */
export class TraceFormatError extends LlmServingSimError {
  constructor(path: string, detail: string) {
    super('LLMSIM_ERR_TRACE_FORMAT', `${path}: ${detail}`);
  }
}

/** One line of a trace file is malformed; the message names file and line. */
export class TraceParseError extends LlmServingSimError {
  readonly line: number;

  constructor(path: string, line: number, detail: string) {
    super('LLMSIM_ERR_TRACE_PARSE', `${path}:${line}: ${detail}`);
    this.line = line;
  }
}

/** A file cannot be read or written. */
export class FileAccessError extends LlmServingSimError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super('LLMSIM_ERR_IO', `${path}: ${detail}`, options);
  }
}

/** The server cannot listen on the address it was given (port in use, no permission, bad host). */
export class ListenError extends LlmServingSimError {
  constructor(address: string, cause: NodeJS.ErrnoException) {
    const reasons: Readonly<Record<string, string>> = {
      EADDRINUSE: 'the port is already in use; pick another with --port',
      EACCES: 'permission denied; ports below 1024 need privileges, pick another with --port',
      EADDRNOTAVAIL: 'the address is not available on this machine; check --host',
      ENOTFOUND: 'the host name does not resolve; check --host',
    };
    const reason = reasons[cause.code ?? ''] ?? cause.message;
    super('LLMSIM_ERR_LISTEN', `cannot listen on ${address}: ${reason}`, { cause });
  }
}
