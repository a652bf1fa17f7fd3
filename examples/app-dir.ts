import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** This checkout. */
const ROOT = path.join(__dirname, '..');

/**
 * Makes `dir` a place where a generated CDK app (such as `cdk-codestar import` writes) runs and
 * type-checks as a user's own app would, with `import ... from 'cdk-codestar'` resolving to this
 * checkout's source (lib/ is not built when the tests run): node_modules/cdk-codestar requires
 * src/index.ts by its absolute path (ts-node compiles it: it is not under a node_modules), its
 * types re-export the source's; aws-cdk-lib and constructs are links to this checkout's, so there
 * is one copy of each. A tsconfig.json (strict, CommonJS) serves ts-node, tsc and eslint: its
 * `paths` maps cdk-codestar to the source, so that TypeScript sees the source as the app's own
 * (ts-node emits nothing for a file it reached through node_modules). A package.json names the
 * app's dependencies.
 */
export function prepareAppDir(dir: string): void {
  const src = path.join(ROOT, 'src', 'index');
  const modules = path.join(dir, 'node_modules');
  const library = path.join(modules, 'cdk-codestar');
  fs.mkdirSync(library, { recursive: true });
  fs.writeFileSync(path.join(library, 'package.json'), JSON.stringify({ name: 'cdk-codestar', version: '0.0.0', main: 'index.js', types: 'index.d.ts' }));
  fs.writeFileSync(path.join(library, 'index.js'), `module.exports = require(${JSON.stringify(`${src}.ts`)});\n`);
  fs.writeFileSync(path.join(library, 'index.d.ts'), `export * from ${JSON.stringify(src)};\n`);
  for (const name of ['aws-cdk-lib', 'constructs']) {
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name), 'dir');
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'imported-codestar-app',
    private: true,
    dependencies: { 'aws-cdk-lib': '*', 'cdk-codestar': '*', 'constructs': '*' },
  }, undefined, 2));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'commonjs',
      moduleResolution: 'node',
      lib: ['es2022'],
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      strict: true,
      noImplicitReturns: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      // Found through node_modules, the source would be an external library's, which ts-node does not compile.
      paths: { 'cdk-codestar': [`${src}.ts`] },
    },
    include: ['*.ts'],
  }, undefined, 2));
}

/**
 * A child process, awaited without blocking: the local endpoint it talks to answers from this
 * process's own event loop.
 */
export function spawned(
  command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => { stdout += chunk; });
    child.stderr.on('data', chunk => { stderr += chunk; });
    child.once('error', reject);
    child.once('close', code => resolve({ code, stdout, stderr }));
  });
}
