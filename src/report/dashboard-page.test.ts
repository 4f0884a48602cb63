/**
 * @module The dashboard page as text: self-contained, names escaped, its configuration readable
 * by its script, and a security policy whose hashes are those of the inline code it carries.
 */

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type DashboardPageOptions, renderDashboardPage } from './dashboard-page.js';

const options: DashboardPageOptions = {
  models: [
    {
      name: '</script><b>evil</b>',
      root: 'org/model"quoted',
      hardware: 'H100',
      gpus: 2,
      tensorParallelSize: 2,
      pipelineParallelSize: 1,
    },
    {
      name: 'second',
      root: 'org/second',
      hardware: 'A100',
      gpus: 1,
      tensorParallelSize: 1,
      pipelineParallelSize: 1,
    },
  ],
  timeScale: 2.5,
  dataPath: '/dashboard/data',
  pollIntervalMs: 1000,
  maxPoints: 600,
};

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

function elementTexts(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map(
    (match) => match[1] ?? '',
  );
}

describe('renderDashboardPage', () => {
  const page = renderDashboardPage(options);

  it('escapes model names and passes them to the script as data', () => {
    expect(page.html).not.toContain('<b>evil</b>');
    expect(page.html).toContain('&lt;/script&gt;&lt;b&gt;evil&lt;/b&gt;');
    expect(page.html).toContain('title="org/model&quot;quoted"');
    const configText = page.html.match(
      /<script type="application\/json" id="dashboard-config">([\s\S]*?)<\/script>/,
    )?.[1];
    const config = JSON.parse(configText ?? 'null');
    expect(config.models[0].name).toBe('</script><b>evil</b>');
    expect(config.dataPath).toBe('/dashboard/data');
    expect(config.charts.map((chart: { id: string }) => chart.id)).toEqual([
      'requests',
      'kv-cache',
      'tokens',
      'ttft',
      'itl',
    ]);
  });

  it('offers a model selector with several models and shows the time scale', () => {
    expect(page.html).toContain('<select id="model-select">');
    expect(page.html).toContain('<option value="1" title="org/second">second</option>');
    expect(page.html).toContain('<b>2.5×</b>');
    const single = renderDashboardPage({ ...options, models: options.models.slice(1) });
    expect(single.html).not.toContain('<select');
  });

  it('loads nothing from elsewhere and allows exactly its inline code', () => {
    expect(page.html).not.toMatch(/\s(src|href)="(?!data:)/);
    const scripts = elementTexts(page.html, 'script');
    expect(scripts).toHaveLength(3);
    const [, uplot, client] = scripts as [string, string, string];
    expect(uplot).toContain('uPlot');
    const [style] = elementTexts(page.html, 'style') as [string];
    const policy = page.contentSecurityPolicy;
    expect(policy).toContain(`script-src 'sha256-${sha256(uplot)}' 'sha256-${sha256(client)}';`);
    expect(policy).toContain(`style-src 'sha256-${sha256(style)}';`);
    expect(policy).toContain("default-src 'none'");
    expect(client).not.toMatch(/\beval\(|new Function/);
  });
});
