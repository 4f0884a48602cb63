/**
 * @module The human-readable summary of an offline run, laid out like vLLM's `bench serve` report.
 */

import type { LatencyStatsMs, SummaryDocument } from '../report/summary-document.js';

const WIDTH = 66;

function format(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function line(label: string, value: string): string {
  return `${label.padEnd(WIDTH - 18)}${value.padStart(18)}\n`;
}

function latencyRow(label: string, stats: LatencyStatsMs): string {
  const cells = [stats.mean, stats.p50, stats.p90, stats.p95, stats.p99].map((value) =>
    format(value).padStart(10),
  );
  return `${label.padEnd(16)}${cells.join('')}\n`;
}

/** Renders the summary document as a table. */
export function formatSummary(summary: SummaryDocument): string {
  const title = ' Simulated Serving Result ';
  const side = Math.max(0, Math.floor((WIDTH - title.length) / 2));
  let text = `${'='.repeat(side)}${title}${'='.repeat(WIDTH - side - title.length)}\n`;
  text += line('Model', summary.model);
  text += line(
    'Hardware',
    `${summary.gpus} x ${summary.hardware} (tp ${summary.tp}, pp ${summary.pp})`,
  );
  text += `Workload: ${summary.workload.description}\n`;
  text += `Step time: ${summary.engine.cost_model_detail}\n`;
  text += line('Completed requests', String(summary.requests.completed));
  text += line(
    'Preempted requests (preemptions)',
    `${summary.requests.preempted} (${summary.requests.preemptions})`,
  );
  if (summary.requests.rejected > 0) {
    text += line('Rejected requests (prompt too long)', String(summary.requests.rejected));
  }
  text += line('Simulated duration (s)', format(summary.duration_s));
  text += line('Total input tokens', String(summary.workload.input_tokens));
  text += line('Total generated tokens', String(summary.workload.output_tokens));
  text += line('Request throughput (req/s)', format(summary.throughput.requests_per_s));
  text += line('Output token throughput (tok/s)', format(summary.throughput.output_tokens_per_s));
  text += line('Total token throughput (tok/s)', format(summary.throughput.total_tokens_per_s));
  text += line(
    'KV cache capacity (tokens)',
    `${summary.kv_cache.capacity_tokens.toLocaleString('en-US')}`,
  );
  text += line('KV cache peak usage', `${format(summary.kv_cache.peak_usage * 100, 1)} %`);
  text += `${'-'.repeat(WIDTH)}\n`;
  text += `${'(ms)'.padEnd(16)}${['mean', 'p50', 'p90', 'p95', 'p99'].map((name) => name.padStart(10)).join('')}\n`;
  text += latencyRow('TTFT', summary.ttft_ms);
  text += latencyRow('TPOT', summary.tpot_ms);
  text += latencyRow('ITL', summary.itl_ms);
  text += latencyRow('E2E latency', summary.e2e_ms);
  text += latencyRow('Queueing', summary.queue_ms);
  text += `${'-'.repeat(WIDTH)}\n`;
  text += line(
    'Simulator',
    `${summary.simulator.steps.toLocaleString('en-US')} steps in ${format(summary.simulator.wall_s, 3)} s`,
  );
  text += `${'='.repeat(WIDTH)}\n`;
  return text;
}
