/**
 * @module Test helper: benchmark runs made by hand (settings, request records, whole runs), with
 * defaults a test overrides where it matters.
 */

import type { BenchRequestRecord, BenchRun, BenchSettings } from '../../src/bench/bench-types.js';

export function benchSettings(overrides: Partial<BenchSettings> = {}): BenchSettings {
  return {
    baseUrl: 'http://127.0.0.1:1',
    endpoint: 'completions',
    model: 'm',
    numPrompts: 4,
    requestRatePerS: Number.POSITIVE_INFINITY,
    burstiness: 1,
    maxConcurrency: undefined,
    dataset: { kind: 'random' },
    inputLen: undefined,
    outputLen: undefined,
    ignoreEos: true,
    seed: 0,
    stream: true,
    timeoutS: 10,
    ...overrides,
  };
}

/** A successful request sent at 0 with nothing received, unless `fields` say otherwise. */
export function benchRecord(
  fields: Partial<BenchRequestRecord> & { index: number },
): BenchRequestRecord {
  return {
    responseId: null,
    arrivalS: 0,
    sendS: 0,
    plannedInputTokens: 10,
    serverPromptTokens: null,
    outputTokens: 0,
    outputTokensSource: 'usage',
    ttftS: 0,
    itlS: [],
    e2elS: 0,
    success: true,
    error: '',
    ...fields,
  };
}

export function benchRun(
  records: readonly BenchRequestRecord[],
  overrides: Partial<Omit<BenchRun, 'records'>> = {},
): BenchRun {
  return {
    settings: benchSettings({ numPrompts: records.length }),
    tokenizer: { name: 'llama3', exact: true },
    datasetDescription: 'hand-made',
    notes: [],
    planned: [],
    records,
    startedAt: '2026-11-29T00:00:00.000Z',
    durationS: 1,
    ...overrides,
  };
}
