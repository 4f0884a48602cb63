/**
 * @module The Prometheus exporter of one server: its own registry (never prom-client's global
 * one, so two apps in a process never share series) holding vLLM's metrics for every served
 * model, a few `llmservingsim:` metrics about the simulation itself, and prom-client's default
 * process metrics. Gauges are read from each engine's status at scrape time; counters and
 * histograms are fed by observers on the engines (metrics-request-observer.ts). Every histogram
 * has a fixed bucket set, so a scrape costs the same however many requests were served.
 */

import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { kvCacheUsage, type LiveEngineStatus } from './live-engine.js';
import {
  type EngineLabel,
  registerVllmFamilies,
  type VllmMetricFamilies,
  zeroVllmSeries,
} from './metrics-families.js';
import { requestMetricsObserver } from './metrics-request-observer.js';
import type { ServedModel } from './served-model.js';

/** What the exporter needs of a served model. */
export type MetricsModel = Pick<ServedModel, 'names' | 'deployment' | 'engine'>;

/** What the exporter watches. */
export interface PrometheusMetricsOptions {
  readonly models: readonly MetricsModel[];
  /** Simulated seconds per wall second, exported as `llmservingsim:time_scale`. */
  readonly timeScale: number;
  /** Add prom-client's process_* and nodejs_* metrics on the first scrape (default true). */
  readonly processMetrics?: boolean;
}

/** Percentiles of the driver's wake-up lateness that `LiveEngine.status()` reports. */
const LATENESS_QUANTILES = [
  ['0.5', 'p50'],
  ['0.99', 'p99'],
] as const;

/** One server's metrics; `metrics()` renders the text exposition. */
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly families: VllmMetricFamilies;
  private readonly models: readonly MetricsModel[];
  private readonly processMetrics: boolean;
  private processMetricsStarted = false;
  /** Statuses taken once per scrape, so every gauge of a model reads the same instant. */
  private scrapeStatuses: readonly LiveEngineStatus[] | undefined;

  constructor(options: PrometheusMetricsOptions) {
    this.models = options.models;
    this.processMetrics = options.processMetrics ?? true;
    const maxModelLen = Math.max(
      ...options.models.map((model) => model.deployment.engineConfig.maxModelLen),
    );
    this.families = registerVllmFamilies(this.registry, { maxModelLen });
    for (const model of options.models) {
      const labels = engineLabels(model);
      zeroVllmSeries(this.families, labels);
      model.engine.observe(requestMetricsObserver(this.families, labels));
    }
    this.registerGauges(options.timeScale);
  }

  /** `text/plain; version=0.0.4; charset=utf-8`: the Prometheus text format. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of every metric now. */
  async metrics(): Promise<string> {
    if (this.processMetrics && !this.processMetricsStarted) {
      // Started on first scrape: its event-loop and GC monitors are never stopped, so apps that
      // are never scraped (most tests) should not start them.
      this.processMetricsStarted = true;
      collectDefaultMetrics({ register: this.registry });
    }
    this.scrapeStatuses = this.models.map((model) => model.engine.status());
    try {
      return await this.registry.metrics();
    } finally {
      this.scrapeStatuses = undefined;
    }
  }

  /** Each model with its status, from the current scrape when there is one. */
  private statuses(): { labels: Record<EngineLabel, string>; status: LiveEngineStatus }[] {
    const statuses = this.scrapeStatuses ?? this.models.map((model) => model.engine.status());
    return this.models.map((model, index) => ({
      labels: engineLabels(model),
      status: statuses[index] as LiveEngineStatus,
    }));
  }

  private registerGauges(timeScale: number): void {
    const registers = [this.registry];
    const labelNames = ['model_name', 'engine'] as const;
    const statuses = () => this.statuses();
    const perModelGauge = (
      name: string,
      help: string,
      read: (status: LiveEngineStatus) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          for (const { labels, status } of statuses()) this.set(labels, read(status));
        },
      });
    perModelGauge(
      'vllm:num_requests_running',
      'Requests in the running set (scheduled into engine steps).',
      (status) => status.runningRequests,
    );
    perModelGauge(
      'vllm:num_requests_waiting',
      'Requests waiting to be scheduled (including preempted ones).',
      (status) => status.waitingRequests,
    );
    perModelGauge(
      'vllm:kv_cache_usage_perc',
      'Fraction of KV-cache blocks in use (1 = full).',
      kvCacheUsage,
    );
    perModelGauge(
      'vllm:gpu_cache_usage_perc',
      'Older vLLM name of vllm:kv_cache_usage_perc (same value), kept for older dashboards.',
      kvCacheUsage,
    );
    perModelGauge(
      'llmservingsim:simulated_time_seconds',
      'Simulated clock of the model instance, in seconds since the server started.',
      (status) => status.simulatedTimeS,
    );
    new Gauge({
      name: 'llmservingsim:time_scale',
      help: 'Simulated seconds per wall-clock second.',
      registers,
    }).set(timeScale);
    new Gauge({
      name: 'llmservingsim:driver_wakeup_lateness_seconds',
      help:
        'Wall seconds the real-time driver woke after engine events were due, quantiles over ' +
        'every wake-up since start (absent before the first).',
      labelNames: [...labelNames, 'quantile'],
      registers,
      collect() {
        for (const { labels, status } of statuses()) {
          if (status.wakeUps === 0) continue;
          for (const [quantile, key] of LATENESS_QUANTILES) {
            this.set({ ...labels, quantile }, status.wakeUpLateness[key]);
          }
        }
      },
    });
    new Gauge({
      name: 'llmservingsim:driver_wakeup_lateness_mean_seconds',
      help:
        'Mean wall seconds the real-time driver woke after engine events were due (absent ' +
        'before the first wake-up).',
      labelNames,
      registers,
      collect() {
        for (const { labels, status } of statuses()) {
          if (status.wakeUps > 0) this.set(labels, status.wakeUpLateness.mean);
        }
      },
    });
    new Counter({
      name: 'llmservingsim:driver_wakeups_total',
      help: 'Wake-ups of the real-time driver.',
      labelNames,
      registers,
      collect() {
        // The engine keeps the count; a counter can only grow, so mirror it by reset and add.
        this.reset();
        for (const { labels, status } of statuses()) this.inc(labels, status.wakeUps);
      },
    });
  }
}

function engineLabels(model: MetricsModel): Record<EngineLabel, string> {
  // One simulated instance per model: vLLM's engine index of a single-engine server is 0.
  return { model_name: model.names[0] ?? model.deployment.model.id, engine: '0' };
}
