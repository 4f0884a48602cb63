/**
 * @module Pure figures of the server load benchmark (`npm run bench:server`): the tally of what
 * happened to every request sent (answered, failed, lost), the error summary of a list of
 * millisecond values, the least-squares slope of memory samples, and plain-text tables.
 */

import { absolutePercentile } from './stream-timing.js';

/** What became of one request as the client saw it. */
export type RequestFate =
  /** A complete 2xx response, or a stream that ended with `[DONE]` and no error event. */
  | { readonly kind: 'ok' }
  /** A complete answer that is an error: an HTTP error status, or an error or malformed stream. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** No complete answer: the connection failed, was reset, or the client's time limit passed. */
  | { readonly kind: 'lost'; readonly reason: string };

/** Counts of a scenario's requests; `lost` = sent − answered. */
export interface TallyFigures {
  readonly sent: number;
  readonly answered: number;
  readonly ok: number;
  readonly failed: number;
  readonly lost: number;
  /** Failures and losses by reason, most frequent first. */
  readonly reasons: readonly {
    readonly kind: 'failed' | 'lost';
    readonly reason: string;
    readonly count: number;
  }[];
}

/** Counts requests as they are sent and as their fates become known. */
export class RequestTally {
  private sentCount = 0;
  private okCount = 0;
  private failedCount = 0;
  private readonly reasonCounts = new Map<
    string,
    { kind: 'failed' | 'lost'; reason: string; count: number }
  >();

  /** Call once per request, before it goes out. */
  sent(): void {
    this.sentCount += 1;
  }

  /** Call once per request with what became of it. */
  settle(fate: RequestFate): void {
    if (fate.kind === 'ok') {
      this.okCount += 1;
      return;
    }
    if (fate.kind === 'failed') this.failedCount += 1;
    const key = `${fate.kind}\u0000${fate.reason}`;
    const entry = this.reasonCounts.get(key);
    if (entry === undefined) {
      this.reasonCounts.set(key, { kind: fate.kind, reason: fate.reason, count: 1 });
    } else {
      entry.count += 1;
    }
  }

  /**
   * The counts now. A request still in flight counts as lost: call this after every request has
   * settled, or to see how many never came back when a scenario's time ran out.
   */
  figures(): TallyFigures {
    const answered = this.okCount + this.failedCount;
    return {
      sent: this.sentCount,
      answered,
      ok: this.okCount,
      failed: this.failedCount,
      lost: this.sentCount - answered,
      reasons: [...this.reasonCounts.values()]
        .map((entry) => ({ ...entry }))
        .sort((first, second) => second.count - first.count),
    };
  }
}

/** p50 / p99 / max of the absolute values and the most negative signed one, in ms. */
export interface ErrorSummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The smallest signed value: below 0 means something arrived before its simulated time. */
  readonly minSignedMs: number;
}

/** The summary the timing tables print (NaN fields when `valuesMs` is empty). */
export function errorSummary(valuesMs: readonly number[]): ErrorSummary {
  let maxMs = Number.NaN;
  let minSignedMs = Number.NaN;
  for (const value of valuesMs) {
    const magnitude = Math.abs(value);
    if (!(magnitude <= maxMs)) maxMs = magnitude;
    if (!(value >= minSignedMs)) minSignedMs = value;
  }
  return {
    count: valuesMs.length,
    p50Ms: absolutePercentile(valuesMs, 50),
    p99Ms: absolutePercentile(valuesMs, 99),
    maxMs,
    minSignedMs,
  };
}

/** One memory sample of the server process. */
export interface MemorySample {
  /** Seconds since the sampling began. */
  readonly elapsedS: number;
  readonly rssBytes: number;
  /** V8 heap in use per the server's `/metrics`, or null when it could not be read. */
  readonly heapUsedBytes: number | null;
}

/** Least-squares slope of y over x; NaN with fewer than two distinct x. */
export function leastSquaresSlope(
  points: readonly { readonly x: number; readonly y: number }[],
): number {
  const count = points.length;
  if (count < 2) return Number.NaN;
  let sumX = 0;
  let sumY = 0;
  for (const point of points) {
    sumX += point.x;
    sumY += point.y;
  }
  const meanX = sumX / count;
  const meanY = sumY / count;
  let covariance = 0;
  let varianceX = 0;
  for (const point of points) {
    covariance += (point.x - meanX) * (point.y - meanY);
    varianceX += (point.x - meanX) ** 2;
  }
  return varianceX === 0 ? Number.NaN : covariance / varianceX;
}

const MIB = 2 ** 20;

/**
 * Growth of a memory series in MiB per minute over the second half of the samples (the first
 * half holds start-up and JIT warm-up, which grow memory without being a leak).
 */
export function memorySlopeMibPerMinute(
  samples: readonly MemorySample[],
  memoryOf: (sample: MemorySample) => number | null,
): number {
  const points: { x: number; y: number }[] = [];
  for (const sample of samples.slice(Math.floor(samples.length / 2))) {
    const value = memoryOf(sample);
    if (value !== null) points.push({ x: sample.elapsedS / 60, y: value / MIB });
  }
  return leastSquaresSlope(points);
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number | null): string {
  return bytes === null || !Number.isFinite(bytes) ? '-' : (bytes / MIB).toFixed(1);
}

/**
 * A plain-text table: the first column left-aligned, the others right-aligned, each as wide as
 * its widest cell.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...all.map((row) => (row[column] ?? '').length)),
  );
  return all
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0
            ? cell.padEnd(widths[column] as number)
            : cell.padStart(widths[column] as number),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
