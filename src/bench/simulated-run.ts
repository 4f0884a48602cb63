/**
 * @module The offline twin of a benchmark run (`bench --compare-sim`): the same requests, sent
 * at the moments the client actually sent them and with the token counts the server reported,
 * go through the simulated engine of a deployment, and come back as a `BenchRun` whose records
 * hold what a client would have observed had the server behaved exactly like the simulator. Both
 * runs then go through the same metric code, so the comparison is like for like.
 *
 * Simulated times are divided by the server's time scale (an LLMServingSim server run faster than
 * real time), so both runs are in wall seconds. The simulator has no network, HTTP or tokenizer
 * time: the difference it leaves is the front end's cost plus the engine model's error.
 */

import { type Deployment, engineOptionsOf } from '../config/deployment.js';
import type { RequestView } from '../core/engine/engine-types.js';
import { runSimulation } from '../core/engine/run-simulation.js';
import type { WorkloadRequest } from '../core/workload/workload-request.js';
import type { BenchRequestRecord, BenchRun } from './bench-types.js';

/** Per-request timings the engine produced, simulated seconds. */
interface SimulatedTimes {
  firstTokenS: number;
  lastTokenS: number;
  finished: boolean;
  readonly gapsS: number[];
}

/** The prompt tokens the engine saw for a record: the server's count, else the client's. */
function promptTokensOf(record: BenchRequestRecord): number {
  return record.serverPromptTokens ?? record.plannedInputTokens;
}

/**
 * Replays the successful requests of `measured` through `deployment`'s engine. Requests that
 * failed on the server are left out of both sides (they are not in the measured metrics either).
 */
export function simulateBenchRun(
  measured: BenchRun,
  deployment: Deployment,
  options: { readonly timeScale: number },
): BenchRun {
  const { timeScale } = options;
  const replayed = measured.records
    .filter((record) => record.success && record.outputTokens > 0)
    .sort((a, b) => a.sendS - b.sendS || a.index - b.index);
  const workload: WorkloadRequest[] = replayed.map((record) => ({
    id: String(record.index),
    arrivalS: record.sendS * timeScale,
    inputTokens: Math.max(1, promptTokensOf(record)),
    outputTokens: record.outputTokens,
  }));
  const times = new Map<string, SimulatedTimes>();
  const timesOf = (request: RequestView): SimulatedTimes => {
    let entry = times.get(request.id);
    if (entry === undefined) {
      entry = { firstTokenS: Number.NaN, lastTokenS: Number.NaN, finished: false, gapsS: [] };
      times.set(request.id, entry);
    }
    return entry;
  };
  runSimulation({
    ...engineOptionsOf(deployment, {
      stepEnd: (step) => {
        for (const request of step.emitted) {
          const entry = timesOf(request);
          if (Number.isNaN(entry.firstTokenS)) entry.firstTokenS = step.endS;
          else entry.gapsS.push(step.endS - entry.lastTokenS);
          entry.lastTokenS = step.endS;
        }
      },
      requestEnd: (request) => {
        timesOf(request).finished = request.status === 'finished';
      },
    }),
    workload,
  });

  const stream = measured.settings.stream;
  // Chat servers (vLLM, OpenAI, ours) open a stream with a role-only chunk sent together with the
  // first token's chunk: the client's TTFT is the former and its first ITL gap ~0 the latter.
  const openingGaps = stream && measured.settings.endpoint === 'chat' ? [0] : [];
  const records = replayed.map((record): BenchRequestRecord => {
    const entry = times.get(String(record.index));
    const arrivalS = record.sendS * timeScale;
    if (entry === undefined || !entry.finished) {
      return {
        ...record,
        ttftS: 0,
        itlS: [],
        e2elS: 0,
        success: false,
        error: 'the simulated engine rejected the request (prompt longer than its context)',
      };
    }
    const e2elS = (entry.lastTokenS - arrivalS) / timeScale;
    return {
      ...record,
      // Without streaming the client sees nothing before the whole body (vLLM: TTFT = E2EL).
      ttftS: stream ? (entry.firstTokenS - arrivalS) / timeScale : e2elS,
      itlS: stream ? [...openingGaps, ...entry.gapsS.map((gap) => gap / timeScale)] : [],
      e2elS,
      success: true,
      error: '',
    };
  });
  let firstSendS = Number.POSITIVE_INFINITY;
  let lastEndS = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    if (!record.success) continue;
    firstSendS = Math.min(firstSendS, record.sendS);
    lastEndS = Math.max(lastEndS, record.sendS + record.e2elS);
  }
  return {
    ...measured,
    records,
    durationS: Number.isFinite(firstSendS) ? lastEndS - firstSendS : 0,
  };
}
