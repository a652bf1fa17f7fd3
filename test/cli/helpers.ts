import * as path from 'node:path';

import { spawned } from '../../examples/app-dir';

export { prepareAppDir, spawned } from '../../examples/app-dir';

/** `cdk-codestar`, run as a user runs it: a process, its output and its exit code. */

export const ROOT = path.join(__dirname, '..', '..');

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The bin from source, run in `cwd`. AWS_ENDPOINT_URL_CODESTAR is never inherited from the test's
 * own environment: `env` gives it (or leaves it out, to test its absence).
 */
export function runCli(cwd: string, args: readonly string[], env: Record<string, string | undefined>): Promise<Ran> {
  const { AWS_ENDPOINT_URL_CODESTAR: _inherited, ...inherited } = process.env;
  const bin = [require.resolve('ts-node/register/transpile-only'), path.join(ROOT, 'src', 'cli', 'main.ts')];
  return spawned(process.execPath, ['-r', ...bin, ...args], cwd, { ...inherited, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...env });
}
