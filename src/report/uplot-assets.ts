/**
 * @module uPlot's script and style sheet as text, read once from the installed package, so the
 * dashboard and the HTML reports can inline them: a page then needs neither the network nor a
 * build step.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** uPlot's minified browser build (defines `window.uPlot`) and its CSS. */
export interface UplotAssets {
  readonly script: string;
  readonly css: string;
}

let cached: UplotAssets | undefined;

/** The assets of the `uplot` dependency (read on first use, ~50 kB). */
export function uplotAssets(): UplotAssets {
  if (cached === undefined) {
    // The package exports nothing but its CommonJS main; its dist folder sits next to it.
    const distDir = dirname(createRequire(import.meta.url).resolve('uplot'));
    cached = {
      script: readFileSync(join(distDir, 'uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(join(distDir, 'uPlot.min.css'), 'utf8'),
    };
  }
  return cached;
}
