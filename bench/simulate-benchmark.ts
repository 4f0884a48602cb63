/**
 * @module `npm run bench:sim`: how fast the offline simulator runs. Simulates ShareGPT-like
 * requests for Llama-3.1-8B on one H100 at a high arrival rate, once per size in a fresh process
 * (so peak memory is per run), and prints wall time, simulated requests and steps per wall-second,
 * and peak memory. Flags: --sizes 10000,100000 --rate 50 --repeat 3.
 */

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { engineOptionsOf, resolveDeployment } from '../src/config/deployment.js';
import { resolveWorkload } from '../src/config/workload-options.js';
import { runSimulation } from '../src/core/engine/run-simulation.js';
import { MetricsCollector } from '../src/core/metrics/metrics-collector.js';

interface RunFigures {
  readonly requests: number;
  readonly wallS: number;
  readonly steps: number;
  readonly simulatedS: number;
  readonly completed: number;
  readonly peakRssMiB: number;
  readonly heapUsedMiB: number;
}

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

/** One run in this process; prints its figures as JSON. */
function runOnce(requests: number, rate: number): RunFigures {
  const deployment = resolveDeployment({});
  const workload = resolveWorkload({ numRequests: requests, requestRate: rate, seed: 1 });
  const collector = new MetricsCollector();
  const start = performance.now();
  const result = runSimulation({
    ...engineOptionsOf(deployment, collector),
    workload: workload.requests,
  });
  collector.finish(result.endS);
  const summary = collector.summary();
  const wallS = (performance.now() - start) / 1000;
  return {
    requests,
    wallS,
    steps: result.steps,
    simulatedS: result.endS,
    completed: summary.requests.completed,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const child = process.argv.indexOf('--child');
if (child >= 0) {
  const requests = Number(process.argv[child + 1]);
  process.stdout.write(`${JSON.stringify(runOnce(requests, Number(flag('rate', '50'))))}\n`);
} else {
  const sizes = flag('sizes', '10000,100000').split(',').map(Number);
  const rate = flag('rate', '50');
  const repeat = Number(flag('repeat', '3'));
  const script = fileURLToPath(import.meta.url);
  console.log(
    `Llama-3.1-8B-Instruct on 1 x H100, ShareGPT lengths, Poisson ${rate} req/s; median of ${repeat} runs, each in a fresh process`,
  );
  console.log(
    'requests'.padStart(10) +
      'wall s'.padStart(10) +
      'sim req/wall-s'.padStart(16) +
      'steps/wall-s'.padStart(14) +
      'steps'.padStart(10) +
      'sim s'.padStart(10) +
      'peak RSS MiB'.padStart(14),
  );
  for (const size of sizes) {
    const runs: RunFigures[] = [];
    for (let attempt = 0; attempt < repeat; attempt++) {
      const output = spawnSync(
        process.execPath,
        ['--import', 'tsx', script, '--child', String(size), '--rate', rate],
        { encoding: 'utf8', timeout: 600_000 },
      );
      if (output.status !== 0) throw new Error(`benchmark run failed: ${output.stderr}`);
      runs.push(JSON.parse(output.stdout) as RunFigures);
    }
    const wallS = median(runs.map((run) => run.wallS));
    const first = runs[0] as RunFigures;
    if (first.completed !== size)
      throw new Error(`only ${first.completed} of ${size} requests completed`);
    console.log(
      String(size).padStart(10) +
        wallS.toFixed(3).padStart(10) +
        Math.round(size / wallS)
          .toLocaleString('en-US')
          .padStart(16) +
        Math.round(first.steps / wallS)
          .toLocaleString('en-US')
          .padStart(14) +
        first.steps.toLocaleString('en-US').padStart(10) +
        first.simulatedS.toFixed(0).padStart(10) +
        median(runs.map((run) => run.peakRssMiB))
          .toFixed(0)
          .padStart(14),
    );
  }
}
