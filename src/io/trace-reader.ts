/**
 * @module Reads request traces (LLMServingSim JSONL, vLLM run files, the Azure LLM inference CSV
 * and Mooncake JSONL) into workload requests. The format is detected from the content, never the
 * file extension: the first non-empty line decides.
 */

import { readFileSync } from 'node:fs';
import type { WorkloadRequest } from '../core/workload/workload-request.js';
import { FileAccessError, TraceFormatError, TraceParseError } from '../errors.js';

/** The trace formats the reader understands. */
export type TraceFormat =
  | 'llmservingsim-jsonl'
  | 'vllm-requests-jsonl'
  | 'azure-csv'
  | 'mooncake-jsonl';

/** A parsed trace: its requests sorted by arrival, ready to replay. */
export interface Trace {
  /** The path the trace was read from (as given; used in messages only). */
  readonly path: string;
  /** The detected format. */
  readonly format: TraceFormat;
  /**
   * Requests sorted by `arrivalS` (stable: equal arrivals keep file order). Arrival times are
   * seconds from the trace's start, ≥ 0.
   */
  readonly requests: readonly WorkloadRequest[];
  /** Rows left out because they have 0 input or 0 output tokens (failed requests in the data). */
  readonly skipped: number;
}

/** One line per format, for CLI help and messages. */
export const TRACE_FORMAT_DESCRIPTIONS: Readonly<Record<TraceFormat, string>> = {
  'llmservingsim-jsonl':
    'LLMServingSim JSONL: input_toks, output_toks, arrival_time_ns (ns from start)',
  'vllm-requests-jsonl':
    'vLLM run requests.jsonl: request_id, input_toks, output_toks, arrival_time (epoch s)',
  'azure-csv': 'Azure LLM inference CSV: TIMESTAMP (UTC wall clock),ContextTokens,GeneratedTokens',
  'mooncake-jsonl': 'Mooncake JSONL: timestamp (ms from start), input_length, output_length',
};

const KNOWN_FORMATS =
  'known formats: llmservingsim-jsonl (input_toks, output_toks, arrival_time_ns), ' +
  'vllm-requests-jsonl (request_id, input_toks, output_toks, arrival_time), ' +
  'azure-csv (header TIMESTAMP,ContextTokens,GeneratedTokens), ' +
  'mooncake-jsonl (timestamp, input_length, output_length)';

const AZURE_HEADER = ['timestamp', 'contexttokens', 'generatedtokens'] as const;

/** A data row before arrival times are re-based and zero-token rows are dropped. */
interface Row {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The trace's own id, if it has one. */
  readonly ownId: string | undefined;
  /** Arrival in seconds from an arbitrary, format-specific origin. */
  readonly timeS: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Where a value came from, for error messages. */
interface LineContext {
  readonly path: string;
  readonly line: number;
}

/**
 * Reads and parses a trace file.
 *
 * @param path - file to read (UTF-8).
 * @throws FileAccessError when the file cannot be read.
 * @throws TraceFormatError when the format is not recognised or the file holds no requests.
 * @throws TraceParseError when a line is malformed (the message names file and line).
 */
export function readTrace(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FileAccessError(path, `cannot read trace: ${reason}`, { cause: error });
  }
  return parseTrace(text, path);
}

/**
 * Parses the text of a trace; pure (no I/O), so tests can feed it strings.
 *
 * @param text - the whole file content.
 * @param path - used in error messages and copied to the result.
 * @throws TraceFormatError when the format is not recognised or the text holds no requests.
 * @throws TraceParseError when a line is malformed.
 */
export function parseTrace(text: string, path: string): Trace {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  const firstIndex = lines.findIndex((line) => line.trim().length > 0);
  if (firstIndex === -1) {
    throw new TraceFormatError(path, 'contains no requests');
  }
  const format = detectFormat((lines[firstIndex] ?? '').trim(), { path, line: firstIndex + 1 });

  let rows: Row[];
  let rebaseToEarliest: boolean;
  switch (format) {
    case 'llmservingsim-jsonl':
      rows = parseJsonLines(lines, path, llmServingSimRow);
      rebaseToEarliest = false;
      break;
    case 'vllm-requests-jsonl':
      rows = parseJsonLines(lines, path, vllmRow);
      rebaseToEarliest = true;
      break;
    case 'mooncake-jsonl':
      rows = parseJsonLines(lines, path, mooncakeRow);
      rebaseToEarliest = false;
      break;
    case 'azure-csv':
      rows = parseAzureCsv(lines, path, firstIndex);
      rebaseToEarliest = true;
      break;
  }

  const requests = buildRequests(rows, path, rebaseToEarliest);
  const skipped = rows.length - requests.length;
  if (requests.length === 0) {
    const detail = skipped > 0 ? ` (${skipped} rows skipped with 0 tokens)` : '';
    throw new TraceFormatError(path, `contains no requests${detail}`);
  }
  return { path, format, requests, skipped };
}

function detectFormat(firstLine: string, context: LineContext): TraceFormat {
  if (firstLine.startsWith('{')) {
    const record = parseJsonObject(firstLine, context);
    if ('arrival_time_ns' in record) return 'llmservingsim-jsonl';
    if ('arrival_time' in record && 'input_toks' in record) return 'vllm-requests-jsonl';
    if ('timestamp' in record && 'input_length' in record) return 'mooncake-jsonl';
    const fields = Object.keys(record).slice(0, 8).join(', ');
    throw new TraceFormatError(
      context.path,
      `unrecognised trace format: first JSON line has fields {${fields}}; ${KNOWN_FORMATS}`,
    );
  }
  const columns = firstLine.split(',');
  if (
    columns.length === AZURE_HEADER.length &&
    columns.every((column, index) => column.trim().toLowerCase() === AZURE_HEADER[index])
  ) {
    return 'azure-csv';
  }
  const shown = firstLine.length > 60 ? `${firstLine.slice(0, 60)}…` : firstLine;
  throw new TraceFormatError(
    context.path,
    `unrecognised trace format: first line '${shown}'; ${KNOWN_FORMATS}`,
  );
}

type JsonRecord = Record<string, unknown>;

function parseJsonObject(line: string, context: LineContext): JsonRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new TraceParseError(context.path, context.line, 'invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceParseError(context.path, context.line, 'expected a JSON object');
  }
  return value as JsonRecord;
}

function parseJsonLines(
  lines: readonly string[],
  path: string,
  toRow: (record: JsonRecord, context: LineContext) => Row,
): Row[] {
  const rows: Row[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line.length === 0) continue;
    const context = { path, line: index + 1 };
    rows.push(toRow(parseJsonObject(line, context), context));
  }
  return rows;
}

function llmServingSimRow(record: JsonRecord, context: LineContext): Row {
  const arrivalNs = numberField(record, 'arrival_time_ns', context);
  if (!Number.isInteger(arrivalNs) || arrivalNs < 0) {
    fail(context, `field 'arrival_time_ns' must be a non-negative integer, got ${arrivalNs}`);
  }
  const idField = 'request_id' in record ? 'request_id' : 'id';
  return {
    line: context.line,
    ownId: optionalId(record, idField, context),
    timeS: arrivalNs / 1e9,
    inputTokens: countField(record, 'input_toks', 1, context),
    outputTokens: countField(record, 'output_toks', 1, context),
  };
}

function vllmRow(record: JsonRecord, context: LineContext): Row {
  return {
    line: context.line,
    ownId: optionalId(record, 'request_id', context),
    timeS: timeField(record, 'arrival_time', context),
    inputTokens: countField(record, 'input_toks', 1, context),
    outputTokens: countField(record, 'output_toks', 1, context),
  };
}

function mooncakeRow(record: JsonRecord, context: LineContext): Row {
  return {
    line: context.line,
    ownId: undefined,
    timeS: timeField(record, 'timestamp', context) / 1000,
    inputTokens: countField(record, 'input_length', 0, context),
    outputTokens: countField(record, 'output_length', 0, context),
  };
}

function fail(context: LineContext, detail: string): never {
  throw new TraceParseError(context.path, context.line, detail);
}

function numberField(record: JsonRecord, field: string, context: LineContext): number {
  const value = record[field];
  if (value === undefined) fail(context, `missing field '${field}'`);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(context, `field '${field}' is not a number`);
  }
  return value;
}

function timeField(record: JsonRecord, field: string, context: LineContext): number {
  const value = numberField(record, field, context);
  if (value < 0) fail(context, `field '${field}' is negative (${value})`);
  return value;
}

function countField(
  record: JsonRecord,
  field: string,
  minimum: 0 | 1,
  context: LineContext,
): number {
  const value = numberField(record, field, context);
  if (!Number.isInteger(value) || value < minimum) {
    fail(context, `field '${field}' must be an integer ≥ ${minimum}, got ${value}`);
  }
  return value;
}

function optionalId(record: JsonRecord, field: string, context: LineContext): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return fail(context, `field '${field}' must be a non-empty string or a number`);
}

function parseAzureCsv(lines: readonly string[], path: string, headerIndex: number): Row[] {
  const rows: Row[] = [];
  // Times are kept as whole seconds since the first row's second plus the fraction, so that the
  // doubles stay small (about an hour) and 100 ns differences survive.
  let originSeconds: number | undefined;
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line.length === 0) continue;
    const context = { path, line: index + 1 };
    const columns = line.split(',');
    if (columns.length !== 3) {
      fail(
        context,
        `expected 3 columns (TIMESTAMP,ContextTokens,GeneratedTokens), got ${columns.length}`,
      );
    }
    const [stamp = '', contextTokens = '', generatedTokens = ''] = columns;
    const wallClock = parseWallClock(stamp.trim());
    if (wallClock === undefined) {
      fail(context, `TIMESTAMP '${stamp.trim()}' is not a time like 2023-11-16 18:15:46.6805900`);
    }
    originSeconds ??= wallClock.seconds;
    rows.push({
      line: context.line,
      ownId: undefined,
      timeS: wallClock.seconds - originSeconds + wallClock.nanoseconds / 1e9,
      inputTokens: csvCount(contextTokens, 'ContextTokens', context),
      outputTokens: csvCount(generatedTokens, 'GeneratedTokens', context),
    });
  }
  return rows;
}

function csvCount(field: string, name: string, context: LineContext): number {
  const text = field.trim();
  if (text.length === 0) fail(context, `missing ${name}`);
  if (!isDigits(text, 0, text.length)) {
    fail(context, `${name} must be a non-negative integer, got '${text}'`);
  }
  return Number(text);
}

function isDigits(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function digitsAt(text: string, start: number, end: number): number {
  return isDigits(text, start, end) ? Number(text.slice(start, end)) : Number.NaN;
}

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.fffffffff]` (or with `T`) as UTC into whole epoch seconds and
 * nanoseconds. Date keeps only milliseconds, so the fraction is read here digit by digit.
 */
function parseWallClock(text: string): { seconds: number; nanoseconds: number } | undefined {
  if (text.length < 19) return undefined;
  const separator = text[10];
  if (
    text[4] !== '-' ||
    text[7] !== '-' ||
    (separator !== ' ' && separator !== 'T') ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  let nanoseconds = 0;
  if (text.length > 19) {
    const fractionDigits = text.length - 20;
    if (text[19] !== '.' || fractionDigits < 1 || fractionDigits > 9) return undefined;
    nanoseconds = digitsAt(text, 20, text.length) * 10 ** (9 - fractionDigits);
  }
  if (
    Number.isNaN(year + month + day + hour + minute + second + nanoseconds) ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
  return { seconds: epochMs / 1000, nanoseconds };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in a month (1-based) of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function buildRequests(
  rows: readonly Row[],
  path: string,
  rebaseToEarliest: boolean,
): WorkloadRequest[] {
  let originS = 0;
  if (rebaseToEarliest) {
    originS = Number.POSITIVE_INFINITY;
    for (const row of rows) if (row.timeS < originS) originS = row.timeS;
  }
  const requests: WorkloadRequest[] = [];
  const lineById = new Map<string, number>();
  let sorted = true;
  let previousS = 0;
  for (const [index, row] of rows.entries()) {
    if (row.inputTokens === 0 || row.outputTokens === 0) continue;
    const id = row.ownId ?? String(index);
    const firstLine = lineById.get(id);
    if (firstLine !== undefined) {
      throw new TraceParseError(
        path,
        row.line,
        `duplicate id '${id}' (first on line ${firstLine})`,
      );
    }
    lineById.set(id, row.line);
    const arrivalS = row.timeS - originS;
    if (arrivalS < previousS) sorted = false;
    previousS = arrivalS;
    requests.push({
      id,
      arrivalS,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
    });
  }
  // Array.prototype.sort is stable, so equal arrivals keep file order.
  if (!sorted) requests.sort((left, right) => left.arrivalS - right.arrivalS);
  return requests;
}
