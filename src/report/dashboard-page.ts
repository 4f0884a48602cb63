/**
 * @module The live dashboard page: one self-contained HTML document (uPlot, style and script
 * inlined; no network but its own data endpoint, no build step) that polls the server's dashboard
 * data every second and appends the new points to its charts. Inline code is allowed by hash in
 * the Content-Security-Policy served with it, so the page runs under a policy without
 * 'unsafe-inline' or eval.
 */

import { createHash } from 'node:crypto';
import { escapeHtml, inlineScriptText, jsonForScript } from './html-text.js';
import { uplotAssets } from './uplot-assets.js';

/** A served model as the header describes it. */
export interface DashboardPageModel {
  /** The name clients send (and the data endpoint reports). */
  readonly name: string;
  /** Catalog id or path of the model. */
  readonly root: string;
  readonly hardware: string;
  readonly gpus: number;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
}

export interface DashboardPageOptions {
  readonly models: readonly DashboardPageModel[];
  /** Simulated seconds per wall second. */
  readonly timeScale: number;
  /** Absolute path of the data endpoint. */
  readonly dataPath: string;
  /** Wall milliseconds between polls. */
  readonly pollIntervalMs: number;
  /** Points a chart keeps (the server's history length). */
  readonly maxPoints: number;
}

/** The page and the Content-Security-Policy header value to serve it with. */
export interface DashboardPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

/** One line of a chart: its legend label, the data column it plots, and its colour. */
interface ChartSeries {
  readonly label: string;
  readonly column: string;
  readonly color: string;
}

/** A chart: values of its columns are multiplied by `factor` (fractions → %, seconds → ms). */
interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly factor: number;
  /** Fixed y range maximum, or none to fit the data. */
  readonly yMax: number | null;
  readonly series: readonly ChartSeries[];
}

const PERCENTILE_COLORS = { p50: '#16a34a', p90: '#d97706', p99: '#dc2626' } as const;

function percentileSeries(prefix: 'ttft' | 'itl'): ChartSeries[] {
  return (['p50', 'p90', 'p99'] as const).map((p) => ({
    label: p,
    column: `${prefix}_${p}_s`,
    color: PERCENTILE_COLORS[p],
  }));
}

/** The charts, in page order; columns are those of the data endpoint's `samples`. */
const CHARTS: readonly ChartSpec[] = [
  {
    id: 'requests',
    title: 'Requests running and waiting',
    factor: 1,
    yMax: null,
    series: [
      { label: 'running', column: 'running_requests', color: '#2563eb' },
      { label: 'waiting', column: 'waiting_requests', color: '#d97706' },
    ],
  },
  {
    id: 'kv-cache',
    title: 'KV-cache use (%)',
    factor: 100,
    yMax: 100,
    series: [{ label: 'used', column: 'kv_cache_usage', color: '#7c3aed' }],
  },
  {
    id: 'tokens',
    title: 'Throughput (tokens per wall second)',
    factor: 1,
    yMax: null,
    series: [
      { label: 'prompt', column: 'prompt_tokens_per_s', color: '#0891b2' },
      { label: 'generation', column: 'generation_tokens_per_s', color: '#16a34a' },
    ],
  },
  {
    id: 'ttft',
    title: 'Time to first token (ms, simulated)',
    factor: 1000,
    yMax: null,
    series: percentileSeries('ttft'),
  },
  {
    id: 'itl',
    title: 'Inter-token latency (ms, simulated)',
    factor: 1000,
    yMax: null,
    series: percentileSeries('itl'),
  },
];

/** Header counters: element id suffix, label, and the `totals` field shown. */
const COUNTERS: readonly (readonly [string, string])[] = [
  ['running_requests', 'Running'],
  ['waiting_requests', 'Waiting'],
  ['kv_cache_usage', 'KV cache'],
  ['completed_requests', 'Completed'],
  ['prompt_tokens', 'Prompt tokens'],
  ['generation_tokens', 'Generated tokens'],
  ['simulated_time_s', 'Simulated time'],
];

const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;background:#f6f7f9}
header{padding:14px 20px 10px;background:#fff;border-bottom:1px solid #e5e7eb}
h1{margin:0 0 4px;font-size:18px;font-weight:600}
h1 small{font-weight:400;color:#6b7280;margin-left:6px}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;color:#374151}
.meta select{font:inherit;padding:2px 4px}
.meta b{font-weight:600}
dl.counters{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0 4px}
dl.counters div{background:#f3f4f6;border-radius:6px;padding:4px 10px;min-width:96px}
dl.counters dt{font-size:11px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em}
dl.counters dd{margin:0;font-size:17px;font-variant-numeric:tabular-nums}
.note{margin:4px 0 0;font-size:12px;color:#6b7280}
#connection{font-size:12px;padding:1px 8px;border-radius:10px;background:#e5e7eb}
#connection.live{background:#dcfce7;color:#166534}
#connection.down{background:#fee2e2;color:#991b1b}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:14px;padding:14px 20px}
section.chart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 10px;min-width:0}
section.chart h2{margin:0 0 4px;font-size:14px;font-weight:600}
.uplot{font-family:inherit}
`;

/** The page's script: reads its configuration, polls the data endpoint, feeds the charts. */
const CLIENT_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('dashboard-config').textContent);
  var models = config.models;
  // Raw columns per model, as the data endpoint sends them.
  var columns = models.map(function () { return {}; });
  var totals = models.map(function () { return null; });
  var sinceMs = 0;
  var selected = 0;
  var charts = [];
  var numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  function format(value) {
    return value === null || value === undefined ? '–' : numberFormat.format(value);
  }

  function append(store, samples) {
    Object.keys(samples).forEach(function (key) {
      var target = store[key] || (store[key] = []);
      var values = samples[key];
      for (var index = 0; index < values.length; index++) target.push(values[index]);
      if (target.length > config.maxPoints) target.splice(0, target.length - config.maxPoints);
    });
  }

  function chartData(spec, store) {
    var times = (store.time_ms || []).map(function (ms) { return ms / 1000; });
    var data = [times];
    spec.series.forEach(function (line) {
      var values = store[line.column] || [];
      data.push(values.map(function (value) {
        return value === null ? null : value * spec.factor;
      }));
    });
    return data;
  }

  function peaksOf(spec, data) {
    var peaks = {};
    spec.series.forEach(function (line, index) {
      var peak = 0;
      data[index + 1].forEach(function (value) { if (value !== null && value > peak) peak = value; });
      peaks[line.label] = Math.round(peak * 1000) / 1000;
    });
    return peaks;
  }

  function widthOf(element) {
    return Math.max(280, element.clientWidth - 4);
  }

  function createChart(spec) {
    var section = document.getElementById('chart-' + spec.id);
    var target = section.querySelector('.plot');
    var yRange = function (plot, min, max) {
      var top = spec.yMax !== null ? spec.yMax : (max > 0 ? max * 1.15 : 1);
      return [0, top];
    };
    var options = {
      width: widthOf(target),
      height: 210,
      scales: { x: { time: true }, y: { range: yRange } },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' } },
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, size: 60,
          values: function (plot, ticks) { return ticks.map(format); } },
      ],
      series: [{}].concat(spec.series.map(function (line) {
        return { label: line.label, stroke: line.color, width: 1.6, spanGaps: false,
          value: function (plot, value) { return format(value); } };
      })),
    };
    var plot = new uPlot(options, chartData(spec, {}), target);
    return { spec: spec, section: section, target: target, plot: plot };
  }

  function render() {
    var store = columns[selected];
    charts.forEach(function (chart) {
      var data = chartData(chart.spec, store);
      chart.plot.setData(data);
      chart.section.setAttribute('data-points', String(data[0].length));
      chart.section.setAttribute('data-peaks', JSON.stringify(peaksOf(chart.spec, data)));
    });
    var current = totals[selected];
    if (current) {
      config.counters.forEach(function (counter) {
        var value = current[counter[0]];
        var text = counter[0] === 'kv_cache_usage' ? format(value * 100) + ' %'
          : counter[0] === 'simulated_time_s' ? format(value) + ' s' : format(value);
        document.getElementById('counter-' + counter[0]).textContent = text;
      });
    }
  }

  function describeModel() {
    var model = models[selected];
    document.getElementById('hardware').textContent = model.hardware + ' × ' + model.gpus +
      ' (TP ' + model.tensorParallelSize + ', PP ' + model.pipelineParallelSize + ')';
  }

  function setConnection(live) {
    var badge = document.getElementById('connection');
    badge.className = live ? 'live' : 'down';
    badge.textContent = live ? 'live' : 'reconnecting…';
  }

  function poll() {
    fetch(config.dataPath + '?since=' + sinceMs, { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (body) {
        body.models.forEach(function (entry, index) {
          if (index >= models.length) return;
          append(columns[index], entry.samples);
          totals[index] = entry.totals;
          var times = entry.samples.time_ms;
          if (times.length > 0) sinceMs = Math.max(sinceMs, times[times.length - 1]);
        });
        setConnection(true);
        render();
      })
      .catch(function () { setConnection(false); })
      .then(function () { setTimeout(poll, config.pollIntervalMs); });
  }

  charts = config.charts.map(createChart);
  var selector = document.getElementById('model-select');
  if (selector) {
    selector.addEventListener('change', function () {
      selected = Number(selector.value);
      describeModel();
      render();
    });
  }
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) {
      chart.plot.setSize({ width: widthOf(chart.target), height: 210 });
    });
  });
  describeModel();
  poll();
})();
`;

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function modelPicker(models: readonly DashboardPageModel[]): string {
  if (models.length === 1) {
    const [model] = models as [DashboardPageModel];
    return `<span>Model <b title="${escapeHtml(model.root)}">${escapeHtml(model.name)}</b></span>`;
  }
  const options = models
    .map(
      (model, index) =>
        `<option value="${index}" title="${escapeHtml(model.root)}">${escapeHtml(model.name)}</option>`,
    )
    .join('');
  return `<label>Model <select id="model-select">${options}</select></label>`;
}

function chartSection(spec: ChartSpec): string {
  return (
    `<section class="chart" id="chart-${spec.id}" data-chart="${spec.id}" data-points="0">` +
    `<h2>${escapeHtml(spec.title)}</h2><div class="plot"></div></section>`
  );
}

/** Renders the page (call once per server: it does not change while the server runs). */
export function renderDashboardPage(options: DashboardPageOptions): DashboardPage {
  const uplot = uplotAssets();
  const style = uplot.css + PAGE_CSS;
  const config = {
    models: options.models,
    dataPath: options.dataPath,
    pollIntervalMs: options.pollIntervalMs,
    maxPoints: options.maxPoints,
    charts: CHARTS,
    counters: COUNTERS,
  };
  const uplotScript = inlineScriptText(uplot.script);
  const clientScript = inlineScriptText(CLIENT_SCRIPT);
  const counters = COUNTERS.map(
    ([key, label]) => `<div><dt>${escapeHtml(label)}</dt><dd id="counter-${key}">–</dd></div>`,
  ).join('');
  const historyMinutes = Math.round((options.maxPoints * options.pollIntervalMs) / 60_000);
  const cadence =
    options.pollIntervalMs === 1000 ? 'wall second' : `${options.pollIntervalMs} wall ms`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LLMServingSim · live dashboard</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header>
<h1>LLMServingSim<small>live dashboard</small></h1>
<div class="meta">${modelPicker(options.models)}
<span>Hardware <b id="hardware"></b></span>
<span>Time scale <b>${escapeHtml(String(options.timeScale))}×</b></span>
<span id="connection">connecting…</span></div>
<dl class="counters">${counters}</dl>
<p class="note">One point per ${cadence}, last ${historyMinutes} minutes. Latencies are simulated time (equal to wall time at time scale 1); p50/p90/p99 are over the tokens of each point.</p>
</header>
<main>
${CHARTS.map(chartSection).join('\n')}
</main>
<script type="application/json" id="dashboard-config">${jsonForScript(config)}</script>
<script>${uplotScript}</script>
<script>${clientScript}</script>
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256Source(uplotScript)} ${sha256Source(clientScript)}`,
    `style-src ${sha256Source(style)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
