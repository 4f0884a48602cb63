/**
 * @module Tests of the trace reader: format detection, exact values from real fixture lines,
 * sorting, skipped rows and the errors for malformed input.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/support/thrown.js';
import { FileAccessError, TraceFormatError, TraceParseError } from '../errors.js';
import {
  parseTrace,
  readTrace,
  TRACE_FORMAT_DESCRIPTIONS,
  type TraceFormat,
} from './trace-reader.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/traces/', import.meta.url));

function fixturePath(name: string): string {
  return `${FIXTURES}${name}`;
}

function parseFixture(name: string) {
  return parseTrace(readFileSync(fixturePath(name), 'utf8'), name);
}

describe('parseTrace: LLMServingSim JSONL', () => {
  const trace = parseFixture('llmservingsim.jsonl');

  it('detects the format and reads ids, nanosecond arrivals and counts', () => {
    expect(trace.format).toBe('llmservingsim-jsonl');
    expect(trace.skipped).toBe(0);
    expect(trace.requests).toHaveLength(5);
    expect(trace.requests[0]).toEqual({
      id: 'r0',
      arrivalS: 0,
      inputTokens: 128,
      outputTokens: 16,
    });
    expect(trace.requests.find((request) => request.id === 'r3')).toEqual({
      id: 'r3',
      arrivalS: 1.000000001,
      inputTokens: 64,
      outputTokens: 1,
    });
  });

  it('sorts by arrival and keeps file order for ties', () => {
    expect(trace.requests.map((request) => request.id)).toEqual(['r0', 'r1', 'r3', 'r2', 'r4']);
  });

  it('accepts `id` and falls back to the 0-based row index', () => {
    const text = [
      '{"id": 7, "input_toks": 1, "output_toks": 2, "arrival_time_ns": 5}',
      '{"input_toks": 3, "output_toks": 4, "arrival_time_ns": 6}',
    ].join('\n');
    const ids = parseTrace(text, 'ids.jsonl').requests.map((request) => request.id);
    expect(ids).toEqual(['7', '1']);
  });
});

describe('parseTrace: vLLM requests.jsonl', () => {
  const trace = parseFixture('vllm-requests.jsonl');

  it('detects the format and offsets arrivals from the earliest', () => {
    expect(trace.format).toBe('vllm-requests-jsonl');
    expect(trace.requests).toHaveLength(6);
    expect(trace.requests[0]).toEqual({
      id: 'bench-0',
      arrivalS: 0,
      inputTokens: 2358,
      outputTokens: 531,
    });
    const second = trace.requests[1];
    expect(second?.id).toBe('bench-1');
    expect(second?.inputTokens).toBe(1034);
    expect(second?.outputTokens).toBe(769);
    // 1777142838.6237123 − 1777142838.338653
    expect(second?.arrivalS).toBeCloseTo(0.2850593, 6);
    // 1777142838.8809006 − 1777142838.338653
    expect(trace.requests[5]?.arrivalS).toBeCloseTo(0.5422476, 6);
  });
});

describe('parseTrace: Azure CSV', () => {
  const trace = parseFixture('azure-conv.csv');

  it('detects the format and offsets arrivals from the first row', () => {
    expect(trace.format).toBe('azure-csv');
    expect(trace.requests).toHaveLength(10);
    expect(trace.requests[0]).toEqual({ id: '0', arrivalS: 0, inputTokens: 374, outputTokens: 44 });
    const second = trace.requests[1];
    expect(second).toMatchObject({ id: '1', inputTokens: 396, outputTokens: 109 });
    // 18:15:50.9951690 − 18:15:46.6805900
    expect(second?.arrivalS).toBeCloseTo(4.314579, 9);
  });

  it('keeps 100 ns resolution (two real rows 6 µs apart)', () => {
    const [earlier, later] = trace.requests.slice(8);
    expect(earlier).toMatchObject({ id: '8', inputTokens: 1035, outputTokens: 520 });
    expect(later).toMatchObject({ id: '9', inputTokens: 1009, outputTokens: 425 });
    // 18:16:36.4232750 − 18:15:46.6805900 and 18:16:36.4232810 − 18:15:46.6805900
    expect(earlier?.arrivalS).toBeCloseTo(49.742685, 9);
    expect(later?.arrivalS).toBeCloseTo(49.742691, 9);
    expect((later?.arrivalS ?? 0) - (earlier?.arrivalS ?? 0)).toBeCloseTo(6e-6, 11);
    const tick = parseTrace(
      'TIMESTAMP,ContextTokens,GeneratedTokens\n' +
        '2023-11-16 23:59:59.9999999,1,1\n' +
        '2023-11-17 00:00:00.0000000,1,1\n',
      'tick.csv',
    );
    expect(tick.requests[1]?.arrivalS).toBeCloseTo(1e-7, 13);
  });

  it('accepts a leap day and a timestamp without a fraction', () => {
    const trace = parseTrace(
      'TIMESTAMP,ContextTokens,GeneratedTokens\n' +
        '2024-02-28 23:59:59,1,1\n' +
        '2024-02-29 00:00:00.5,1,1\n',
      'leap.csv',
    );
    expect(trace.requests[1]?.arrivalS).toBe(1.5);
  });

  it('sorts unsorted rows and offsets from the earliest timestamp', () => {
    const trace = parseTrace(
      'TIMESTAMP,ContextTokens,GeneratedTokens\r\n' +
        '2023-11-16 18:00:02.5,10,1\r\n' +
        '2023-11-16 18:00:01,20,2\r\n' +
        '2023-11-16 18:00:02.5,30,3\r\n',
      'unsorted.csv',
    );
    expect(trace.requests).toEqual([
      { id: '1', arrivalS: 0, inputTokens: 20, outputTokens: 2 },
      { id: '0', arrivalS: 1.5, inputTokens: 10, outputTokens: 1 },
      { id: '2', arrivalS: 1.5, inputTokens: 30, outputTokens: 3 },
    ]);
  });

  it('skips rows with 0 tokens and counts them', () => {
    const trace = parseTrace(
      'TIMESTAMP,ContextTokens,GeneratedTokens\n' +
        '2023-11-16 18:00:00.0000000,100,0\n' +
        '2023-11-16 18:00:01.0000000,100,5\n' +
        '2023-11-16 18:00:02.0000000,0,5\n',
      'zeros.csv',
    );
    expect(trace.skipped).toBe(2);
    // The skipped first row still sets the time origin and keeps its index.
    expect(trace.requests).toEqual([{ id: '1', arrivalS: 1, inputTokens: 100, outputTokens: 5 }]);
  });
});

describe('parseTrace: Mooncake JSONL', () => {
  const trace = parseFixture('mooncake.jsonl');

  it('detects the format and converts milliseconds to seconds', () => {
    expect(trace.format).toBe('mooncake-jsonl');
    expect(trace.requests).toHaveLength(8);
    expect(trace.requests[0]).toEqual({
      id: '0',
      arrivalS: 0,
      inputTokens: 6758,
      outputTokens: 500,
    });
    expect(trace.requests[5]).toEqual({
      id: '5',
      arrivalS: 33,
      inputTokens: 916,
      outputTokens: 265,
    });
    expect(trace.requests[7]).toEqual({
      id: '7',
      arrivalS: 36,
      inputTokens: 8619,
      outputTokens: 593,
    });
  });

  it('skips rows with 0 output or 0 input tokens', () => {
    const text = [
      '{"timestamp": 0, "input_length": 10, "output_length": 0, "hash_ids": [0]}',
      '{"timestamp": 1500, "input_length": 10, "output_length": 3, "hash_ids": [0]}',
      '{"timestamp": 2000, "input_length": 0, "output_length": 3, "hash_ids": []}',
    ].join('\n');
    const zeros = parseTrace(text, 'zeros.jsonl');
    expect(zeros.skipped).toBe(2);
    expect(zeros.requests).toEqual([{ id: '1', arrivalS: 1.5, inputTokens: 10, outputTokens: 3 }]);
  });
});

describe('parseTrace: malformed input', () => {
  const good = '{"input_toks": 1, "output_toks": 1, "arrival_time_ns": 0}';

  it('names file and 1-based line for bad JSON', () => {
    const error = thrown(() => parseTrace(`${good}\n${good}\n{"input_toks": 1,\n`, 'bad.jsonl'));
    expect(error).toBeInstanceOf(TraceParseError);
    expect(error.message).toContain('bad.jsonl');
    expect(error.message).toContain(':3:');
    expect(error.message).toContain('invalid JSON');
    expect((error as TraceParseError).line).toBe(3);
    expect((error as TraceParseError).code).toBe('LLMSIM_ERR_TRACE_PARSE');
  });

  it('counts blank lines in line numbers', () => {
    const error = thrown(() => parseTrace(`${good}\n\nnot json\n`, 'blank.jsonl'));
    expect(error.message).toContain('blank.jsonl:3:');
  });

  it('names a missing field', () => {
    const text =
      '{"timestamp": 0, "input_length": 5, "output_length": 5}\n' +
      '{"timestamp": 10, "input_length": 5}\n';
    const error = thrown(() => parseTrace(text, 'missing.jsonl'));
    expect(error).toBeInstanceOf(TraceParseError);
    expect(error.message).toBe("missing.jsonl:2: missing field 'output_length'");
  });

  it.each([
    [
      'a non-numeric count',
      '{"input_toks": "12", "output_toks": 1, "arrival_time_ns": 0}',
      'input_toks',
    ],
    [
      'a fractional count',
      '{"input_toks": 1.5, "output_toks": 1, "arrival_time_ns": 0}',
      'input_toks',
    ],
    ['0 output tokens', '{"input_toks": 1, "output_toks": 0, "arrival_time_ns": 0}', 'output_toks'],
    [
      'a negative time',
      '{"input_toks": 1, "output_toks": 1, "arrival_time_ns": -1}',
      'arrival_time_ns',
    ],
    [
      'a fractional ns time',
      '{"input_toks": 1, "output_toks": 1, "arrival_time_ns": 0.5}',
      'arrival_time_ns',
    ],
    ['a JSON array', '[1, 2]', 'JSON object'],
  ])('rejects %s in LLMServingSim JSONL', (_case, line, expected) => {
    const error = thrown(() => parseTrace(`${good}\n${line}\n`, 'case.jsonl'));
    expect(error).toBeInstanceOf(TraceParseError);
    expect(error.message).toContain('case.jsonl:2:');
    expect(error.message).toContain(expected);
  });

  it('rejects a negative vLLM arrival time and 0 vLLM tokens', () => {
    const first = '{"request_id": "a", "input_toks": 1, "output_toks": 1, "arrival_time": 5.0}';
    const negative = '{"request_id": "b", "input_toks": 1, "output_toks": 1, "arrival_time": -1}';
    const zero = '{"request_id": "b", "input_toks": 0, "output_toks": 1, "arrival_time": 6}';
    expect(() => parseTrace(`${first}\n${negative}`, 'v.jsonl')).toThrow(
      /v\.jsonl:2:.*arrival_time/,
    );
    expect(() => parseTrace(`${first}\n${zero}`, 'v.jsonl')).toThrow(/v\.jsonl:2:.*input_toks/);
  });

  it('rejects a duplicate id', () => {
    const line = '{"request_id": "x", "input_toks": 1, "output_toks": 1, "arrival_time_ns": 0}';
    expect(() => parseTrace(`${line}\n${line}`, 'dup.jsonl')).toThrow(
      "dup.jsonl:2: duplicate id 'x' (first on line 1)",
    );
  });

  it.each([
    ['a wrong column count', '2023-11-16 18:00:00.0,1', '3 columns'],
    ['a bad timestamp', '2023-11-16T18:61:00,1,1', 'TIMESTAMP'],
    ['a date that does not exist', '2023-02-30 18:00:00,1,1', 'TIMESTAMP'],
    ['a negative count', '2023-11-16 18:00:00,-4,1', 'ContextTokens'],
    ['an empty count', '2023-11-16 18:00:00,4,', 'GeneratedTokens'],
  ])('rejects %s in Azure CSV', (_case, row, expected) => {
    const text = `TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,1,1\n${row}\n`;
    const error = thrown(() => parseTrace(text, 'case.csv'));
    expect(error).toBeInstanceOf(TraceParseError);
    expect(error.message).toContain('case.csv:3:');
    expect(error.message).toContain(expected);
  });
});

describe('parseTrace: format errors', () => {
  const formats: TraceFormat[] = [
    'llmservingsim-jsonl',
    'vllm-requests-jsonl',
    'azure-csv',
    'mooncake-jsonl',
  ];

  it.each([
    ['an unknown CSV header', 'time,prompt,output\n1,2,3\n'],
    ['JSON with unknown fields', '{"t": 0, "prompt": 3}\n'],
  ])('rejects %s and lists the known formats', (_case, text) => {
    const error = thrown(() => parseTrace(text, 'odd.txt'));
    expect(error).toBeInstanceOf(TraceFormatError);
    expect((error as TraceFormatError).code).toBe('LLMSIM_ERR_TRACE_FORMAT');
    expect(error.message).toContain('odd.txt');
    for (const format of formats) expect(error.message).toContain(format);
  });

  it.each([
    ['an empty file', ''],
    ['only blank lines', '\n  \n\n'],
    ['only a header', 'TIMESTAMP,ContextTokens,GeneratedTokens\n'],
    ['only skipped rows', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,5,0\n'],
  ])('rejects %s as containing no requests', (_case, text) => {
    const error = thrown(() => parseTrace(text, 'empty.csv'));
    expect(error).toBeInstanceOf(TraceFormatError);
    expect(error.message).toContain('empty.csv: contains no requests');
  });

  it('describes every format on one line', () => {
    expect(Object.keys(TRACE_FORMAT_DESCRIPTIONS).sort()).toEqual([...formats].sort());
    for (const description of Object.values(TRACE_FORMAT_DESCRIPTIONS)) {
      expect(description).not.toContain('\n');
    }
  });
});

describe('readTrace', () => {
  it.each([
    ['llmservingsim.jsonl', 'llmservingsim-jsonl', 5],
    ['vllm-requests.jsonl', 'vllm-requests-jsonl', 6],
    ['azure-conv.csv', 'azure-csv', 10],
    ['mooncake.jsonl', 'mooncake-jsonl', 8],
  ])('reads %s from disk', (name, format, count) => {
    const path = fixturePath(name);
    const trace = readTrace(path);
    expect(trace.path).toBe(path);
    expect(trace.format).toBe(format);
    expect(trace.requests).toHaveLength(count);
    const arrivals = trace.requests.map((request) => request.arrivalS);
    expect(arrivals).toEqual([...arrivals].sort((left, right) => left - right));
  });

  it('throws FileAccessError for a missing file', () => {
    const path = fixturePath('does-not-exist.jsonl');
    const error = thrown(() => readTrace(path));
    expect(error).toBeInstanceOf(FileAccessError);
    expect((error as FileAccessError).code).toBe('LLMSIM_ERR_IO');
    expect(error.message).toContain(path);
  });
});
