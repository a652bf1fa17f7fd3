import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ran, runCli } from './helpers';
import { ProjectRole } from '../../src';
import { DEPLOY_USAGE, DESTROY_USAGE, FUNCTION_LOGS } from '../../src/cli/deploy';
import { STATE_FILE } from '../../src/cli/deployed';
import { USAGE } from '../../src/cli/main';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { AppSpec, synthesize, userArn } from '../e2e/helpers';
import { tempDir } from '../local/helpers';

jest.setTimeout(60_000);

let dir: string;
let codestar: LocalCodeStar;

beforeAll(async () => {
  codestar = await startLocalCodeStar();
});
afterAll(async () => {
  await codestar.close();
});
beforeEach(() => {
  codestar.reset();
  dir = tempDir('cdk-codestar-cli-');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The bin from source, in `dir`, with the endpoint's URL unless `env` says otherwise. */
function cli(args: readonly string[], env: Record<string, string | undefined> = { AWS_ENDPOINT_URL_CODESTAR: codestar.url }): Promise<Ran> {
  return runCli(dir, args, env);
}

const app: AppSpec = {
  projects: [{ projectId: 'cli-app', name: 'CLI app', members: [{ user: 'alice', role: ProjectRole.CONTRIBUTOR }] }],
  profiles: [{ user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org' }],
};

const synth = (spec: AppSpec = app, outdir = 'cdk.out') => synthesize(path.join(dir, outdir), spec);

/** The one function's log the runner kept (readable by its owner only). */
function functionLog(): string {
  const files = fs.readdirSync(path.join(dir, FUNCTION_LOGS));
  expect(files).toHaveLength(1);
  const file = path.join(dir, FUNCTION_LOGS, files[0]);
  expect((fs.statSync(file).mode % 0o1000).toString(8)).toBe('600');
  return fs.readFileSync(file, 'utf-8');
}

test('deploy, deploy again (no change), destroy: exit codes, output, and the account', async () => {
  synth();

  const deployed = await cli(['deploy', '--poll-interval', '1']);

  expect([deployed.code, deployed.stderr]).toEqual([0, '']);
  expect(deployed.stdout).toMatch(/CREATE_COMPLETE/);
  expect(deployed.stdout).not.toMatch(/alice@example\.org|Alice Example|CLI app/);
  expect(codestar.state.project('cli-app')).toMatchObject({ name: 'CLI app' });
  expect(codestar.state.teamMembers('cli-app').map(m => m.userArn)).toContain(userArn('alice'));
  expect(fs.existsSync(path.join(dir, STATE_FILE))).toBe(true);
  expect(deployed.stdout).not.toContain('"level"');
  expect(functionLog()).toMatch(/\tINFO\t\{.*"event":"request"/);

  codestar.clearCalls();
  const again = await cli(['deploy', '--json']);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toEqual({
    success: true,
    stacks: [expect.objectContaining({ stackName: 'E2E', noChanges: true, warnings: [] })],
  });
  expect(codestar.mutatingCalls()).toEqual([]);

  const destroyed = await cli(['destroy', '--poll-interval', '1']);
  expect(destroyed.code).toBe(0);
  expect(destroyed.stdout).toMatch(/DELETE_COMPLETE/);
  expect(codestar.state.userProfiles()).toEqual([]);
  expect(codestar.state.teamMembers('cli-app').map(m => m.userArn)).not.toContain(userArn('alice'));
});

test('a failed deploy exits 1 with the reason, after its rollback', async () => {
  synth({ profiles: [{ user: 'bob', displayName: 'Bob', emailAddress: 'bob@example.org' }] }, 'out');
  codestar.faults.error('ValidationException', { operations: ['CreateUserProfile'] });

  const ran = await cli(['deploy', 'out', '--json']);

  expect(ran.code).toBe(1);
  const result = JSON.parse(ran.stdout);
  expect(result).toMatchObject({ success: false, stacks: [{ stackName: 'E2E', status: 'ROLLBACK_COMPLETE' }] });
  expect(result.stacks[0].reason).toContain('CreateUserProfile failed: ValidationException');
  // Progress went to stderr, so stdout is the JSON alone; the handler's log went to its file.
  expect(ran.stderr).toMatch(/CREATE_FAILED/);
  expect(ran.stderr).toContain(`the handler's log: ${FUNCTION_LOGS}/`);
  expect(functionLog()).toMatch(/"event":"failed"/);
  // The failed request's own lines are shown, with the file that holds them.
  expect(ran.stderr).toMatch(/\(Custom::CodeStarUserProfile\) log: .*"event":"failed"/);
  expect(ran.stderr).toContain(`the function's log: ${path.join(dir, FUNCTION_LOGS, fs.readdirSync(path.join(dir, FUNCTION_LOGS))[0])}`);
});

test.each([
  [['deploy', '--stakc', 'x'], /^cdk-codestar deploy: Unknown option '--stakc'.*\(see cdk-codestar deploy --help\)\n$/],
  [['deploy', 'a', 'b'], /^cdk-codestar deploy: one assembly directory at most, got 2: a b/],
  [['deploy', '--poll-interval', 'soon'], /--poll-interval must be a non-negative integer/],
  [['destroy', 'cdk.out'], /^cdk-codestar destroy: Unexpected argument 'cdk.out'/],
  [['ship'], /^cdk-codestar: unknown command ship \(commands: local, deploy, destroy, plan, import, drift\)\n$/],
])('a wrong command line %j exits 2 with one line', async (args, message) => {
  const ran = await cli(args);

  expect([ran.code, ran.stdout]).toEqual([2, '']);
  expect(ran.stderr).toMatch(message);
});

test.each([
  ['no assembly', ['deploy'], { AWS_ENDPOINT_URL_CODESTAR: 'http://127.0.0.1:1' }, /^cdk-codestar deploy: cdk.out is not a cloud assembly \(no manifest.json\): run `cdk synth` first/],
  ['no endpoint', ['deploy'], { AWS_ENDPOINT_URL_CODESTAR: undefined }, /^cdk-codestar deploy: AWS_ENDPOINT_URL_CODESTAR is not set/],
  ['no endpoint, destroy', ['destroy'], { AWS_ENDPOINT_URL_CODESTAR: undefined }, /^cdk-codestar destroy: AWS_ENDPOINT_URL_CODESTAR is not set/],
])('%s: exits 1 with one line and no stack trace', async (_case, args, env, message) => {
  if (_case !== 'no assembly') {
    synth();
  }

  const ran = await cli(args, env);

  expect(ran.code).toBe(1);
  expect(ran.stderr).toMatch(message);
  expect(ran.stderr.trim().split('\n')).toHaveLength(1);
});

test.each([
  [['--help'], USAGE],
  [['deploy', '--help'], DEPLOY_USAGE],
  [['destroy', '-h'], DESTROY_USAGE],
])('%j prints the usage and exits 0', async (args, usage) => {
  const ran = await cli(args);

  expect(ran).toEqual({ code: 0, stdout: `${usage}\n`, stderr: '' });
});

test('local --help names the command it was run as', async () => {
  const ran = await cli(['local', '--help']);

  expect(ran.code).toBe(0);
  expect(ran.stdout).toMatch(/^Usage: cdk-codestar local \[options\]/);
  expect(ran.stdout).toContain('--state <file>');
});
