/**
 * @module The browser script of a run report, as text to inline after uPlot. It reads the data
 * from the page's `report-data` JSON element (JSON.parse, never eval), draws every element marked
 * `data-chart`, and redraws on resize or when the log-axis box changes. Each drawn chart gets
 * `data-points` (values plotted) and the root gets `data-report-ready`, which the browser test reads.
 *
 * Plain ES2017 without modules, so the page opens from disk in any current browser.
 */

export const RUN_REPORT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var COLORS = ['#2563eb', '#dc2626', '#059669', '#9333ea', '#ea580c', '#0891b2'];
  var HEIGHT = 240;
  var plots = [];

  function fixed(value, digits) {
    return value == null || !isFinite(value) ? '\u2014' : value.toFixed(digits);
  }
  function percent(value) {
    return value == null ? '\u2014' : (value * 100).toFixed(1) + '%';
  }
  function widthOf(element) {
    return Math.max(280, Math.floor(element.clientWidth));
  }
  function mount(element, options, columns) {
    plots = plots.filter(function (entry) {
      if (entry.element !== element) return true;
      entry.plot.destroy();
      return false;
    });
    options.width = widthOf(element);
    options.height = HEIGHT;
    var plot = new uPlot(options, columns, element);
    var points = 0;
    for (var series = 1; series < columns.length; series++) {
      for (var index = 0; index < columns[series].length; index++) {
        if (columns[series][index] != null) points++;
      }
    }
    element.setAttribute('data-points', String(points));
    plots.push({ element: element, plot: plot });
  }

  /** The points of one CDF curve that the axis can show. */
  function curvePoints(curve, logX) {
    var points = [];
    for (var index = 0; index < curve.ms.length; index++) {
      var x = curve.ms[index];
      if (x == null || (logX && !(x > 0))) continue;
      points.push([x, curve.fractions[index]]);
    }
    return points;
  }

  function drawCdf(element, cdf, color, logX) {
    var curves = [curvePoints(cdf, logX)];
    if (cdf.comparison) curves.push(curvePoints(cdf.comparison, logX));
    // uPlot wants one x column: the union of both curves' x, each curve null where it has no point.
    var xs = [];
    curves.forEach(function (points) { points.forEach(function (point) { xs.push(point[0]); }); });
    xs.sort(function (a, b) { return a - b; });
    xs = xs.filter(function (x, index) { return index === 0 || x !== xs[index - 1]; });
    var columns = [xs].concat(curves.map(function (points) {
      var ys = new Array(xs.length).fill(null);
      var position = 0;
      points.forEach(function (point) {
        while (xs[position] !== point[0]) position++;
        ys[position] = point[1];
      });
      return ys;
    }));
    var series = [{ label: cdf.name + ' ms', value: function (u, v) { return fixed(v, 2); } }];
    series.push({
      label: cdf.label || 'share of requests \u2264',
      stroke: color,
      width: 2,
      spanGaps: true,
      value: function (u, v) { return percent(v); },
    });
    if (cdf.comparison) {
      series.push({
        label: cdf.comparison.label,
        stroke: '#475569',
        dash: [6, 4],
        width: 2,
        spanGaps: true,
        value: function (u, v) { return percent(v); },
      });
    }
    mount(
      element,
      {
        scales: { x: { time: false, distr: logX ? 3 : 1, log: 10 }, y: { range: [0, 1] } },
        series: series,
        axes: [
          { label: cdf.name + ' (ms)' },
          {
            label: 'share of requests',
            values: function (u, values) {
              return values.map(function (v) { return Math.round(v * 100) + '%'; });
            },
          },
        ],
      },
      columns,
    );
  }

  var TIME_CHARTS = {
    throughput: [
      { field: 'promptTokensPerS', label: 'prompt tokens/s', scale: 'tokens' },
      { field: 'generationTokensPerS', label: 'generation tokens/s', scale: 'tokens' },
      { field: 'requestsPerS', label: 'requests/s', scale: 'requests' },
    ],
    requests: [
      { field: 'running', label: 'running', scale: 'count' },
      { field: 'batchSize', label: 'mean batch (seqs/step)', scale: 'count' },
      { field: 'waiting', label: 'waiting (queue)', scale: 'count' },
    ],
    kv: [{ field: 'kvUsage', label: 'KV-cache use %', scale: 'percent', factor: 100 }],
  };
  var AXIS_LABELS = { tokens: 'tokens/s', requests: 'requests/s', count: 'requests', percent: '% of blocks' };

  function drawTimeSeries(element, kind) {
    var series = [{ label: 'time s', value: function (u, v) { return fixed(v, 0); } }];
    var columns = [data.series.timeS];
    var axes = [{ label: 'time (s)' }];
    var scales = { x: { time: false } };
    TIME_CHARTS[kind].forEach(function (definition, index) {
      var values = data.series[definition.field];
      if (!values) return;
      var factor = definition.factor || 1;
      columns.push(values.map(function (v) { return v == null ? null : v * factor; }));
      series.push({
        label: definition.label,
        scale: definition.scale,
        stroke: COLORS[index % COLORS.length],
        width: 1.5,
        value: function (u, v) { return fixed(v, 1); },
      });
      if (!scales[definition.scale]) {
        scales[definition.scale] = definition.scale === 'percent' ? { range: [0, 100] } : {};
        axes.push({
          scale: definition.scale,
          label: AXIS_LABELS[definition.scale],
          side: axes.length === 1 ? 3 : 1,
          grid: { show: axes.length === 1 },
        });
      }
    });
    mount(element, { scales: scales, series: series, axes: axes }, columns);
  }

  function drawCdfs() {
    var box = document.getElementById('log-x');
    var logX = box ? box.checked : false;
    document.querySelectorAll('[data-chart="cdf"]').forEach(function (element) {
      var index = Number(element.getAttribute('data-index'));
      drawCdf(element, data.cdfs[index], COLORS[index % COLORS.length], logX);
    });
  }

  drawCdfs();
  document.querySelectorAll('[data-chart="time"]').forEach(function (element) {
    drawTimeSeries(element, element.getAttribute('data-kind'));
  });
  var logBox = document.getElementById('log-x');
  if (logBox) logBox.addEventListener('change', drawCdfs);
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      plots.forEach(function (entry) {
        entry.plot.setSize({ width: widthOf(entry.element), height: HEIGHT });
      });
    });
  });
  document.documentElement.setAttribute('data-report-ready', 'true');
})();
`;
