/**
 * @module The shape of a validation scenario file (`src/catalog/validation/*.json`): the sources it
 * quotes, and one row per published measurement with the setup, the workload and the measured
 * values as published. Rows that cannot be simulated faithfully carry `skip` with the reason.
 */

import { z } from 'zod';

/** What a row measures; the categories of the report. */
export const CATEGORIES = ['trace-replay', 'max-throughput', 'latency-at-load', 'batch-1'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * The metrics a row can compare, each with the one unit its values are written in (as the source
 * publishes it, converted to this unit only where the source uses another spelling of it).
 */
export const METRIC_UNITS = {
  /** Generated tokens per second of the whole system. */
  outputThroughput: 'tok/s',
  /** Generated tokens per second divided by the GPUs of the instance. */
  outputThroughputPerGpu: 'tok/s/GPU',
  /** Prompt plus generated tokens per second. */
  totalThroughput: 'tok/s',
  /** Completed requests per second. */
  requestThroughput: 'req/s',
  ttft: 'ms',
  /** (latency − TTFT) / (output tokens − 1), per request. */
  tpot: 'ms',
  /** Gap between consecutive tokens. */
  itl: 'ms',
  e2eLatency: 'ms',
  /** Time from the batch's submission to its last token (offline latency benchmarks). */
  batchLatency: 'ms',
  /** First arrival to last completion. */
  duration: 's',
  /** Batch-1 ITL at zero context, from a straight-line fit of ITL against input length. */
  itlIntercept: 'ms',
  /** Slope of that fit. */
  itlSlope: 'ms/token',
} as const;
export type MetricName = keyof typeof METRIC_UNITS;

export const STATISTICS = ['mean', 'median', 'p90', 'p99', 'total', 'fit'] as const;
export type Statistic = (typeof STATISTICS)[number];

/** Which statistics make sense for which metric. */
const ALLOWED_STATISTICS: Readonly<Record<MetricName, readonly Statistic[]>> = {
  outputThroughput: ['total'],
  outputThroughputPerGpu: ['total'],
  totalThroughput: ['total'],
  requestThroughput: ['total'],
  ttft: ['mean', 'median', 'p90', 'p99'],
  tpot: ['mean', 'median', 'p90', 'p99'],
  itl: ['mean', 'median', 'p90', 'p99'],
  e2eLatency: ['mean', 'median', 'p90', 'p99'],
  batchLatency: ['mean'],
  duration: ['total'],
  itlIntercept: ['fit'],
  itlSlope: ['fit'],
};

const metricNameSchema = z.enum(Object.keys(METRIC_UNITS) as [MetricName, ...MetricName[]]);

/** One published value. */
export const measuredValueSchema = z
  .object({
    metric: metricNameSchema,
    statistic: z.enum(STATISTICS),
    value: z.number().positive(),
    unit: z.string().min(1),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.unit !== METRIC_UNITS[value.metric]) {
      context.addIssue({
        code: 'custom',
        message: `${value.metric} is written in ${METRIC_UNITS[value.metric]}, not ${value.unit}`,
        path: ['unit'],
      });
    }
    if (!ALLOWED_STATISTICS[value.metric].includes(value.statistic)) {
      context.addIssue({
        code: 'custom',
        message: `${value.metric} takes ${ALLOWED_STATISTICS[value.metric].join('|')}`,
        path: ['statistic'],
      });
    }
  });
export type MeasuredValue = z.infer<typeof measuredValueSchema>;

const positiveInteger = z.number().int().positive();

/** The engine settings of a simulated row (names as in `EngineOptionsInput`). */
export const setupSchema = z
  .object({
    /** Model id in the model catalog. */
    model: z.string().min(1),
    /** Hardware name in the hardware catalog. */
    hardware: z.string().min(1),
    tp: positiveInteger,
    pp: positiveInteger.default(1),
    dtype: z.enum(['auto', 'bfloat16', 'float16', 'fp8', 'int4']),
    kvCacheDtype: z.enum(['auto', 'fp8']).default('auto'),
    /**
     * The engine that produced the measurement: a family (`vllm`, `trtllm`, `sglang`) or one of
     * the version presets of docs/ENGINES.md (`trtllm-bench`, `sglang-0.3`).
     */
    engine: z.enum(['vllm', 'vllm-v0', 'trtllm', 'trtllm-bench', 'sglang', 'sglang-0.3']),
    maxNumSeqs: positiveInteger.optional(),
    maxNumBatchedTokens: positiveInteger.optional(),
    maxModelLen: positiveInteger.optional(),
    enableChunkedPrefill: z.boolean().optional(),
    gpuMemoryUtilization: z.number().gt(0).lte(1).optional(),
    blockSize: z.literal(16).optional(),
  })
  .strict();
export type Setup = z.infer<typeof setupSchema>;

/** A skipped row names its setup as the source does; nothing of it has to be in the catalog. */
const looseSetupSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

const lengthSpec = z.string().regex(/^(\d+|sharegpt|uniform:\d+:\d+)$/, {
  message: 'expected N, sharegpt or uniform:MIN:MAX',
});

/** What is sent to the engine. */
export const workloadSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('trace'),
      /** Folder of a vLLM run (requests.jsonl, timeseries.csv), relative to the scenario file. */
      run: z.string().min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('synthetic'),
      numRequests: positiveInteger,
      inputLen: lengthSpec,
      outputLen: lengthSpec,
      /** Poisson requests per second, or `inf` (all at t = 0). */
      requestRate: z.union([z.literal('inf'), z.number().positive()]),
      /** Closed loop: most requests in flight. */
      concurrency: positiveInteger.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('static-batch'),
      batchSize: positiveInteger,
      inputTokens: positiveInteger,
      /** Unset for rows that report only the first token (one token is generated). */
      outputTokens: positiveInteger.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('batch-1-sweep'),
      /** Input lengths of the sweep; a straight line is fitted through the ITL at each. */
      inputTokens: z.array(positiveInteger).min(2),
      outputTokens: positiveInteger.min(2),
    })
    .strict(),
]);
export type ScenarioWorkload = z.infer<typeof workloadSchema>;

const rowId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
/** `S1`, `S7b`, … as in the measurement notes' source table, or `S-<name>` for other data. */
const sourceCode = z.string().regex(/^S(\d+[a-z]?|-[a-z0-9-]+)$/);

const commonRowFields = {
  id: rowId,
  category: z.enum(CATEGORIES),
  /** S-code of the file's `sources`. */
  source: sourceCode,
  /** How the row was converted from the source, where that needs saying. */
  notes: z.string().min(1).optional(),
};

const skippedRowSchema = z
  .object({
    ...commonRowFields,
    skip: z.string().min(1),
    setup: looseSetupSchema,
    workload: z.string().min(1).optional(),
    measured: z.array(z.string().min(1)).optional(),
  })
  .strict();

const simulatedRowSchema = z
  .object({
    ...commonRowFields,
    setup: setupSchema,
    workload: workloadSchema,
    /** Published values; trace rows measure theirs from the run files instead. */
    measured: z.array(measuredValueSchema).default([]),
    /** The calibration fits its constants to this row: listed, never scored. */
    usedForCalibration: z.boolean().default(false),
  })
  .strict()
  .superRefine((row, context) => {
    if (row.workload.kind !== 'trace' && row.measured.length === 0) {
      context.addIssue({ code: 'custom', message: 'needs measured values', path: ['measured'] });
    }
  });

export type SkippedRow = z.infer<typeof skippedRowSchema>;
export type SimulatedRow = z.infer<typeof simulatedRowSchema>;
export type ScenarioRow = SkippedRow | SimulatedRow;

/**
 * The schema a raw row is checked against: a row with `skip` is only listed, any other is
 * simulated. (Choosing up front gives better messages than a union, which reports neither.)
 */
export function rowSchemaFor(raw: Readonly<Record<string, unknown>>) {
  return 'skip' in raw ? skippedRowSchema : simulatedRowSchema;
}

/** Whether a row is simulated. */
export function isSimulated(row: ScenarioRow): row is SimulatedRow {
  return !('skip' in row);
}

export const sourceSchema = z
  .object({
    /** What the source is, as in the source table. */
    what: z.string().min(1),
    /** Repository + path + commit, or URL. */
    where: z.string().min(1),
  })
  .strict();
export type Source = z.infer<typeof sourceSchema>;

/** A scenario file; its rows are checked one by one with `rowSchemaFor`. */
export const scenarioFileSchema = z
  .object({
    description: z.string().min(1),
    /** Where the rows were transcribed from (the project's collected measurement notes). */
    transcribedFrom: z.string().min(1),
    sources: z.record(sourceCode, sourceSchema),
    rows: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .strict();
