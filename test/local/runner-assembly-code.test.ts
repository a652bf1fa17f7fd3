import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LifecycleRunner } from '../../src/local/runner';

/**
 * Without a `handler` option the runner runs the code the cloud assembly holds: the staged asset of
 * the function the ServiceToken names, its Handler, Timeout and environment variables. It keeps a
 * copy of that code next to its state file, as Lambda keeps a deployed function's code, so that a
 * destroy runs it after the assembly is gone.
 */

const ECHO = 'Custom::Echo';

/** A function that answers CloudFormation itself (no SDK, plain http), with what it saw in Data. */
const ECHO_SOURCE = `
const http = require('http');
exports.main = async (event, context) => {
  const fail = event.ResourceProperties.fail === 'true' && event.RequestType === 'Create';
  if (event.ResourceProperties.hang === 'true' && event.RequestType === 'Create') {
    fs.appendFileSync(process.env.ECHO_LOG, 'hanging\\n');
    return new Promise(() => undefined);
  }
  console.log('echo %s', event.RequestType);
  if (fail) {
    console.error('refusing', event.LogicalResourceId);
  }
  const body = JSON.stringify({
    Status: fail ? 'FAILED' : 'SUCCESS', Reason: fail ? 'told to fail' : 'ok', PhysicalResourceId: 'echo-' + event.LogicalResourceId,
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
    Data: { code: __dirname, greeting: process.env.GREETING, remainingMs: String(context.getRemainingTimeInMillis()), request: event.RequestType },
  });
  fs.appendFileSync(process.env.ECHO_LOG, event.RequestType + ' ' + __dirname + '\\n');
  await new Promise((resolve, reject) => {
    const req = http.request(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, res => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
};
const fs = require('fs');
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-codestar-assembly-code-'));
  dirs.push(dir);
  return dir;
}

/** An app whose one custom resource is served by the echo function, synthesized into `outdir`. */
interface EchoApp {
  readonly handler?: string;
  /** The function answers FAILED to the Create. */
  readonly fail?: boolean;
  /** The function never answers the Create, within a ServiceTimeout of 1 s and a Timeout of 2 s. */
  readonly hang?: boolean;
}

function synthesize(outdir: string, { handler = 'index.main', fail = false, hang = false }: EchoApp = {}): { codeDir: string } {
  const codeDir = tempDir();
  fs.writeFileSync(path.join(codeDir, 'index.js'), ECHO_SOURCE);
  fs.writeFileSync(path.join(codeDir, 'broken.js'), 'throw new Error("this module cannot load");\n');
  const app = new App({ outdir });
  const stack = new Stack(app, 'Echo', { env: { account: '123456789012', region: 'us-east-1' } });
  const fn = new lambda.Function(stack, 'Fn', {
    code: lambda.Code.fromAsset(codeDir),
    handler,
    runtime: lambda.Runtime.NODEJS_22_X,
    timeout: Duration.seconds(hang ? 2 : 7),
    environment: { GREETING: 'hello from the template', ECHO_LOG: path.join(outdir, '..', 'echo.log') },
  });
  new CustomResource(stack, 'Echoed', {
    serviceToken: fn.functionArn, resourceType: ECHO, properties: { n: 1, fail, hang }, serviceTimeout: hang ? Duration.seconds(1) : undefined,
  });
  app.synth();
  return { codeDir };
}

/** A work folder with the echo app synthesized into `cdk.out`, and a runner whose state is in `state/`. */
function echoApp(app: EchoApp = {}, lines: string[] = []) {
  const work = tempDir();
  const outdir = path.join(work, 'cdk.out');
  synthesize(outdir, app);
  const runner = new LifecycleRunner({ stateFile: path.join(work, 'state', 'state.json'), resourceTypes: [ECHO], writer: line => lines.push(line) });
  return { work, outdir, runner };
}

test('a deploy runs the function\'s staged code with its Handler, Timeout and environment, and a destroy runs the kept copy', async () => {
  const { work, outdir, runner } = echoApp();

  const deployed = await runner.deploy(outdir);

  expect(deployed.success).toBe(true);
  const data = runner.readState().stacks.Echo.resources.Echoed.data as Record<string, string>;
  // The kept copy of the staged asset ran, not the assembly's folder and not the runner's own handler.
  const kept = path.join(work, 'state', 'code');
  expect(path.dirname(data.code)).toBe(kept);
  expect(fs.readFileSync(path.join(data.code, 'index.js'), 'utf-8')).toBe(ECHO_SOURCE);
  expect(data.greeting).toBe('hello from the template');
  expect(Number(data.remainingMs)).toBeGreaterThan(5_000);
  expect(Number(data.remainingMs)).toBeLessThanOrEqual(7_000);
  expect(deployed.stacks[0].requests.map(r => [r.requestType, r.invocations, r.status])).toEqual([['Create', 1, 'SUCCESS']]);

  // The assembly is gone: the destroy still runs the code the function was deployed with.
  fs.rmSync(outdir, { recursive: true, force: true });
  const destroyed = await runner.destroy();

  expect(destroyed.success).toBe(true);
  expect(fs.readFileSync(path.join(work, 'echo.log'), 'utf-8')).toBe(`Create ${data.code}\nDelete ${data.code}\n`);
});

test('what the function prints goes to its log file next to the state file, in Lambda\'s format, not to the console; a failure shows it', async () => {
  const log = jest.spyOn(console, 'log');
  const lines: string[] = [];
  const { work, outdir, runner } = echoApp({ fail: true }, lines);

  const result = await runner.deploy(outdir);

  expect(result.success).toBe(false);
  const logs = fs.readdirSync(path.join(work, 'state', 'logs'));
  expect(logs).toEqual([expect.stringMatching(/^Echo-Fn[0-9A-F]{8}-[A-Z0-9]+\.log$/)]);
  const logged = fs.readFileSync(path.join(work, 'state', 'logs', logs[0]), 'utf-8').split('\n').filter(Boolean);
  expect(logged).toEqual([
    expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\tINFO\techo Create$/),
    expect.stringMatching(/\tERROR\trefusing Echoed$/),
    // The rollback's Delete.
    expect.stringMatching(/\tINFO\techo Delete$/),
  ]);
  expect(log).not.toHaveBeenCalledWith('echo %s', 'Create');
  // The failed request shows what it wrote, and where the whole log is.
  const shown = lines.filter(line => line.startsWith('Echo | Echoed (Custom::Echo) log: '));
  expect(shown.map(line => line.split('\t').slice(2).join(' '))).toEqual(['INFO echo Create', 'ERROR refusing Echoed']);
  expect(lines).toContain(`Echo | Echoed (Custom::Echo) the function's log: ${path.join(work, 'state', 'logs', logs[0])}`);
  log.mockRestore();
});

test('a Handler that names no exported function fails the resource with a reason, and nothing runs', async () => {
  const { work, outdir, runner } = echoApp({ handler: 'index.missing' });

  const result = await runner.deploy(outdir);

  expect(result.success).toBe(false);
  const failed = result.stacks[0].events.find(e => e.status === 'CREATE_FAILED')!;
  expect(failed.reason).toMatch(/^The runner cannot invoke function Fn[0-9A-F]{8}: its Handler "index\.missing" names no function its module exports$/);
  expect(fs.existsSync(path.join(work, 'echo.log'))).toBe(false);
});

test('code that fails to load fails the resource with the error, as Lambda\'s Runtime.ImportModuleError, and its rollback Delete too', async () => {
  const { outdir, runner } = echoApp({ handler: 'broken.main' });

  const result = await runner.deploy(outdir);

  const failed = result.stacks[0].events.find(e => e.status === 'CREATE_FAILED')!;
  expect(failed.reason).toMatch(/^The runner cannot invoke function Fn[0-9A-F]{8}: its code failed to load: this module cannot load$/);
  // The rollback's Delete (a physical id CloudFormation made up) cannot run either: the rollback fails, as it would on AWS.
  expect(result.stacks[0].events.filter(e => e.logicalId === 'Echoed').map(e => e.status))
    .toEqual(['CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_FAILED']);
  expect(result.stacks[0].status).toBe('ROLLBACK_FAILED');
});

test('no answer within the ServiceTimeout fails the resource with CloudFormation\'s reason, and the stack rolls back', async () => {
  const { work, outdir, runner } = echoApp({ hang: true });

  const started = Date.now();
  const result = await runner.deploy(outdir);

  expect(result.success).toBe(false);
  expect(Date.now() - started).toBeLessThan(1_900);
  const failed = result.stacks[0].events.find(e => e.status === 'CREATE_FAILED')!;
  expect(failed.reason).toBe('Custom resource did not stabilize within its ServiceTimeout of 1 seconds');
  expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  // The rollback's Delete went to the same code, which answered it, with a physical id CloudFormation made up.
  expect(fs.readFileSync(path.join(work, 'echo.log'), 'utf-8')).toMatch(/^hanging\nDelete \S+\n$/);
  const deleted = result.stacks[0].events.filter(e => e.logicalId === 'Echoed' && e.status.startsWith('DELETE_'));
  expect(deleted.map(e => [e.status, e.physicalResourceId])).toEqual([
    ['DELETE_IN_PROGRESS', expect.stringMatching(/^Echo-Echoed-[A-Z0-9]{12}$/)],
    ['DELETE_COMPLETE', deleted[0].physicalResourceId],
  ]);
});
