import { describe, expect, it } from 'vitest';
import { formatValue, type RunReport, renderRunReport } from './run-report.js';

const HOSTILE = '</script><img src=x onerror="alert(1)">&';

function benchmarkReport(overrides: Partial<RunReport> = {}): RunReport {
  return {
    title: `Benchmark of ${HOSTILE}`,
    kind: 'benchmark',
    subtitle: HOSTILE,
    summary: [{ title: 'Requests', figures: [{ label: 'completed', value: 3 }] }],
    latencies: [
      { name: 'TTFT', valuesS: [0.1, 0.2, 0.3] },
      { name: HOSTILE, valuesS: [0.01, 0.02] },
    ],
    timeSeries: [
      { timeS: 0, generationTokensPerS: 10, requestsPerS: 1 },
      { timeS: 1, generationTokensPerS: 20, requestsPerS: 2 },
    ],
    configuration: [{ title: 'Client', entries: [{ key: 'model', value: HOSTILE }] }],
    ...overrides,
  };
}

/** The JSON the page's script reads. */
function pageData(html: string): {
  cdfs: { name: string; count: number; ms: number[]; fractions: number[] }[];
  series: Record<string, (number | null)[]>;
} {
  const match = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  if (!match) throw new Error('no report-data element');
  return JSON.parse(match[1] as string);
}

describe('renderRunReport', () => {
  const html = renderRunReport(benchmarkReport());

  it('keeps user-supplied text as text: no markup, no early end of a script', () => {
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;');
    // Three script elements (data, uPlot, page script) and exactly three closing tags.
    expect(html.match(/<script[\s>]/g)).toHaveLength(3);
    expect(html.match(/<\/script>/gi)).toHaveLength(3);
    expect(pageData(html).cdfs[1]?.name).toBe(HOSTILE);
  });

  it('is self-contained: no external resources, and a policy that forbids fetching', () => {
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('uPlot');
  });

  it('has one chart element per distribution and per time chart with data', () => {
    expect(html).toContain('id="chart-cdf-0" data-chart="cdf" data-index="0"');
    expect(html).toContain('id="chart-cdf-1"');
    expect(html).toContain('id="chart-throughput"');
    // No running/waiting/KV fields in a client-side benchmark: those charts are left out.
    expect(html).not.toContain('id="chart-requests"');
    expect(html).not.toContain('id="chart-kv"');
    expect(pageData(html).series).toEqual({
      timeS: [0, 1],
      generationTokensPerS: [10, 20],
      requestsPerS: [1, 2],
    });
  });

  it('inlines CDFs in ms with fractions, and derives the latency table when none is given', () => {
    const [ttft] = pageData(html).cdfs;
    expect(ttft).toEqual({
      name: 'TTFT',
      count: 3,
      ms: [100, 200, 300],
      fractions: [0.333333, 0.666667, 1],
    });
    // mean, p50, p90, p95, p99 of TTFT in ms.
    expect(html).toMatch(
      /TTFT<\/th><td class="number">200\.00<\/td><td class="number">200\.00<\/td><td class="number">280\.00<\/td>/,
    );
  });

  it('leaves out charts of empty distributions and time series', () => {
    const empty = renderRunReport(
      benchmarkReport({ latencies: [{ name: 'ITL', valuesS: [] }], timeSeries: [] }),
    );
    expect(empty).not.toContain('class="chart"');
    expect(empty).not.toContain('id="log-x"');
  });

  it('bounds the inlined data for a million requests and says so', () => {
    const million = new Float64Array(1_000_000).map((_, index) => 0.05 + (index % 997) / 1000);
    const rows = Array.from({ length: 100_000 }, (_, second) => ({ timeS: second, running: 5 }));
    const large = renderRunReport(
      benchmarkReport({ latencies: [{ name: 'E2E', valuesS: million }], timeSeries: rows }),
    );
    const data = pageData(large);
    expect(data.cdfs[0]?.ms).toHaveLength(512);
    expect(data.cdfs[0]?.count).toBe(1_000_000);
    expect(data.series.timeS?.length).toBeLessThanOrEqual(720);
    expect(large.length).toBeLessThan(150_000);
    expect(large).toContain('at most 512 evenly spaced ranks');
    expect(large).toContain('each point is the mean of 256 consecutive rows');
  });
});

describe('formatValue', () => {
  it('shows integers whole, decimals by magnitude or fixed digits, and missing values as a dash', () => {
    expect(formatValue(1000)).toBe('1000');
    expect(formatValue(1234.56)).toBe('1234.6');
    expect(formatValue(12.345)).toBe('12.35');
    expect(formatValue(0.012345)).toBe('0.0123');
    expect(formatValue(2.5, 3)).toBe('2.500');
    expect(formatValue(Number.NaN)).toBe('—');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(true)).toBe('true');
  });
});
