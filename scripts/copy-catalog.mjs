// Copies the catalog's data files (JSON) next to the compiled loaders in dist/, which read them
// relative to their own location.
import { cpSync } from 'node:fs';

cpSync('src/catalog', 'dist/catalog', {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
