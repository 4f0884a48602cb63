#!/usr/bin/env node
// Entry point of the `llmservingsim` command: runs the compiled CLI (built by `npm install`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('llmservingsim: not built yet; run `npm run build` (npm install runs it)\n');
  process.exit(1);
}
const { runCli, exitQuietlyOnClosedPipe } = await import(entry.href);
exitQuietlyOnClosedPipe();
process.exitCode = await runCli(process.argv.slice(2));
