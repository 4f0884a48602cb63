/**
 * @module Result files of an offline run: `requests.csv` and `timeseries.csv`, written row by row
 * as the simulation produces them (so memory does not grow with the run), `summary.json`, and the
 * HTML report `report.html` (rendered by the caller).
 */

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestRecord, TimeSeriesRow } from '../core/metrics/metrics-collector.js';
import { FileAccessError } from '../errors.js';

/** Rows are buffered and flushed in chunks of about this many characters. */
const FLUSH_CHARACTERS = 1 << 16;

/** A CSV file written incrementally with synchronous I/O. */
export class CsvWriter {
  private readonly path: string;
  private readonly descriptor: number;
  private buffer = '';

  constructor(path: string, header: readonly string[]) {
    this.path = path;
    try {
      this.descriptor = openSync(path, 'w');
    } catch (error) {
      throw new FileAccessError(path, `cannot create file (${errorCode(error)})`, { cause: error });
    }
    this.buffer = `${header.join(',')}\n`;
  }

  writeRow(cells: readonly (string | number)[]): void {
    this.buffer += `${cells.map(formatCell).join(',')}\n`;
    if (this.buffer.length >= FLUSH_CHARACTERS) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.descriptor);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    try {
      writeSync(this.descriptor, this.buffer);
    } catch (error) {
      throw new FileAccessError(this.path, `cannot write (${errorCode(error)})`, { cause: error });
    }
    this.buffer = '';
  }
}

function formatCell(cell: string | number): string {
  if (typeof cell === 'number') {
    if (Number.isNaN(cell)) return '';
    return Number.isInteger(cell) ? String(cell) : cell.toPrecision(9).replace(/\.?0+$/, '');
  }
  return /[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function errorCode(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : 'I/O error';
}

/** Writes a whole text file (a report page), failing with `FileAccessError`. */
export function writeTextFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new FileAccessError(path, `cannot write (${errorCode(error)})`, { cause: error });
  }
}

/** The result files of a run in one directory. */
export class ResultFiles {
  readonly directory: string;
  private readonly requests: CsvWriter;
  private readonly timeSeries: CsvWriter;

  constructor(directory: string) {
    this.directory = directory;
    try {
      mkdirSync(directory, { recursive: true });
    } catch (error) {
      throw new FileAccessError(directory, `cannot create directory (${errorCode(error)})`, {
        cause: error,
      });
    }
    this.requests = new CsvWriter(join(directory, 'requests.csv'), [
      'id',
      'arrival_s',
      'input_tokens',
      'output_tokens',
      'queue_s',
      'ttft_s',
      'tpot_s',
      'e2e_s',
      'preemptions',
    ]);
    this.timeSeries = new CsvWriter(join(directory, 'timeseries.csv'), [
      'second',
      'running',
      'waiting',
      'kv_usage',
      'prompt_tokens_per_s',
      'generation_tokens_per_s',
      'steps',
      'mean_batch_size',
    ]);
  }

  writeRequest(record: RequestRecord): void {
    this.requests.writeRow([
      record.id,
      record.arrivalS,
      record.inputTokens,
      record.outputTokens,
      record.queueS,
      record.ttftS,
      record.tpotS,
      record.e2eS,
      record.preemptions,
    ]);
  }

  writeTimeSeriesRow(row: TimeSeriesRow): void {
    this.timeSeries.writeRow([
      row.second,
      row.running,
      row.waiting,
      row.kvUsage,
      row.promptTokensPerS,
      row.generationTokensPerS,
      row.steps,
      row.meanBatchSize,
    ]);
  }

  /** Closes the CSV files and writes `summary.json`. */
  finish(summary: unknown): void {
    this.requests.close();
    this.timeSeries.close();
    writeTextFile(join(this.directory, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }

  /** Writes `report.html` (a rendered page) and returns its path. */
  writeReport(html: string): string {
    const path = join(this.directory, 'report.html');
    writeTextFile(path, html);
    return path;
  }
}
