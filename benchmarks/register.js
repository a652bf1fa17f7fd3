/**
 * A require hook for the benchmark's child processes: TypeScript compiled by esbuild (already a dev
 * dependency), so a child measures synthesis without the TypeScript compiler in its memory.
 * Usage: node -r ./benchmarks/register.js benchmarks/synth-child.ts ...
 */
const fs = require('fs');
const esbuild = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
  const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf-8'), {
    loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline',
  });
  module._compile(code, filename);
};
