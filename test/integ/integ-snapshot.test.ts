import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertHandlerBundle } from '../e2e/helpers';

/**
 * The integration test of the example app (integ.example.ts) in integ-runner's verify-only mode:
 * no --update-on-failed, no --force, no --dry-run, so integ-runner synthesizes the app, compares it
 * with the committed snapshot and stops there. It never deploys (the test case disables deploy and
 * destroy as well). A template that changes fails here until the snapshot is updated on purpose:
 *
 *   npx integ-runner --directory test/integ --language typescript --update-on-failed --dry-run
 */

const ROOT = path.join(__dirname, '..', '..');
const INTEG_RUNNER = path.join(ROOT, 'node_modules', '@aws-cdk', 'integ-runner', 'bin', 'integ-runner');
const SNAPSHOT = path.join(__dirname, 'integ.example.ts.snapshot');

test('the example app still synthesizes to its committed integ snapshot', () => {
  assertHandlerBundle(); // the example stack's handler asset
  expect(fs.existsSync(path.join(SNAPSHOT, 'CodeStarDemo.template.json'))).toBe(true);

  const result = spawnSync(process.execPath, [INTEG_RUNNER, '--directory', 'test/integ', '--language', 'typescript'], {
    cwd: ROOT,
    encoding: 'utf-8',
  });

  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) {
    throw new Error(`integ-runner exited with ${result.status ?? result.signal}: the example app no longer matches its snapshot `
      + `(update it on purpose with the command in this file's comment):\n${output}`);
  }
  expect(output).toMatch(/UNCHANGED\s+integ\.example/);
  expect(output).not.toMatch(/Running integration tests|Deploying/i);
}, 300_000);
