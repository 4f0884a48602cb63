import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CORE = fileURLToPath(new URL('.', import.meta.url));
/** npm packages the core may use: pure computation only. */
const ALLOWED_PACKAGES = new Set(['d3-random']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.contract.ts')
      ? [path]
      : [];
  });
}

describe('src/core stays pure and deterministic', () => {
  const files = sourceFiles(CORE);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((path) => [path.slice(CORE.length), path]))('%s', (_name, path) => {
    const text = readFileSync(path, 'utf8');
    const specifiers = [
      ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'([^']+)'/g),
    ].map((match) => match[1] as string);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        // Relative imports must stay inside src/core.
        const target = join(path, '..', specifier);
        expect(target.startsWith(CORE), `${specifier} leaves src/core`).toBe(true);
      } else {
        expect(ALLOWED_PACKAGES.has(specifier), `${specifier} is not allowed in the core`).toBe(
          true,
        );
      }
    }
    expect(text).not.toMatch(
      /Math\.random|Date\.now|new Date\(|performance\.now|process\.|setTimeout|setInterval/,
    );
  });
});
