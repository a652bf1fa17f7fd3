import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  cfnEvent, closedPort, FrameworkRun, lambdaContext, LambdaContainer, startHungServer, synthExample, tempDir, throughFramework, userArn,
} from './helpers';
import { MAX_WAIT_MS } from '../../lambda/continuation';
import { computeDeadline } from '../../lambda/retry';
import { CodeStarProject, UserProfile } from '../../src';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { LifecycleRunner, localLambdaEndpoint } from '../../src/local/runner';
import { HANDLER_TIMEOUT, MAX_PROJECT_TIMEOUT, QUERY_INTERVAL } from '../../src/private/provider/timeouts';

/**
 * With CodeStar hung (it accepts the connection and never answers) or unreachable (nothing listens),
 * every handler invocation fails with its own clear reason before its own deadline; that deadline
 * comes before the Lambda timeout, which comes before the custom resource's serviceTimeout. A
 * project's wait for CodeStar has a timeout of its own, also before its serviceTimeout.
 */

const PROJECT = 'Custom::CodeStarProject';
const MEMBER = 'Custom::CodeStarTeamMember';
const PROFILE = 'Custom::CodeStarUserProfile';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf';
const ALICE = userArn('alice');
const S3 = { s3: { bucketName: 'assets-bucket', bucketKey: 'seed.zip' } };

/** A short Lambda timeout, so that the test takes seconds: the handler scales its margin to it. */
const LAMBDA_TIMEOUT_MS = 1_500;
/** Timers fire a little late on a busy machine. */
const TIMER_SLACK_MS = 250;

const project = { id: 'bounded', name: 'Bounded' };
const gitHubProject = {
  id: 'bounded-gh',
  name: 'Bounded',
  sourceCode: [{
    source: S3,
    destination: { gitHub: { name: 'repo', type: 'User', owner: 'octo', privateRepository: true, issuesEnabled: false, tokenSecretArn: SECRET_ARN } },
  }],
  toolchain: { source: S3 },
};
const member = { projectId: 'bounded', userArn: ALICE, projectRole: 'Viewer' };
const profile = { userArn: ALICE, displayName: 'Alice', emailAddress: 'alice@example.org' };

/** Every invocation that calls a service, with the operation it gets stuck in. */
const INVOCATIONS: Array<[string, 'onEvent' | 'isComplete', Record<string, unknown>, RegExp]> = [
  ['project create', 'onEvent', cfnEvent('Create', PROJECT, project), /^CreateProject /],
  ['project create reading a GitHub token', 'onEvent', cfnEvent('Create', PROJECT, gitHubProject), /^GetSecretValue /],
  ['project update', 'onEvent', cfnEvent('Update', PROJECT, { ...project, name: 'New' }, { physicalResourceId: 'bounded', oldProperties: project }), /^UpdateProject /],
  ['project replacement', 'onEvent', cfnEvent('Update', PROJECT, { ...project, id: 'bounded2' }, { physicalResourceId: 'bounded', oldProperties: project }), /^CreateProject /],
  ['project delete', 'onEvent', cfnEvent('Delete', PROJECT, project, { physicalResourceId: 'bounded' }), /^(DescribeProject|DeleteProject) /],
  ['project wait', 'isComplete', { ...cfnEvent('Create', PROJECT, project), PhysicalResourceId: 'bounded' }, /^DescribeProject /],
  ['member create', 'onEvent', cfnEvent('Create', MEMBER, member), /^AssociateTeamMember /],
  ['member update', 'onEvent', cfnEvent('Update', MEMBER, { ...member, projectRole: 'Owner' }, { physicalResourceId: `bounded|${ALICE}`, oldProperties: member }), /^UpdateTeamMember /],
  ['member delete', 'onEvent', cfnEvent('Delete', MEMBER, member, { physicalResourceId: `bounded|${ALICE}` }), /^DisassociateTeamMember /],
  ['profile create', 'onEvent', cfnEvent('Create', PROFILE, profile), /^CreateUserProfile /],
  ['profile update', 'onEvent', cfnEvent('Update', PROFILE, { ...profile, displayName: 'A' }, { physicalResourceId: ALICE, oldProperties: profile }), /^UpdateUserProfile /],
  ['profile delete', 'onEvent', cfnEvent('Delete', PROFILE, profile, { physicalResourceId: ALICE }), /^DeleteUserProfile /],
];

interface Outcome {
  readonly label: string;
  readonly elapsedMs: number;
  readonly reason?: string;
  readonly stack?: string;
}

/** Runs every invocation at once, each with its own Lambda context, and times each one. */
async function invokeAll(container: LambdaContainer): Promise<Outcome[]> {
  return Promise.all(INVOCATIONS.map(async ([label, entry, event]) => {
    const started = Date.now();
    try {
      await container[entry](event, lambdaContext(LAMBDA_TIMEOUT_MS));
      return { label, elapsedMs: Date.now() - started };
    } catch (e) {
      return { label, elapsedMs: Date.now() - started, reason: (e as Error).message, stack: (e as Error).stack };
    }
  }));
}

describe.each([
  ['hung', /\(\d+ attempts, the last one unanswered\)$/],
  ['unreachable', /\(\d+ attempts, last error ECONNREFUSED\)$/],
])('every invocation against a %s CodeStar fails with its own reason before its deadline', (scenario, detail) => {
  const closers: Array<() => Promise<void>> = [];
  let container: LambdaContainer;
  let outcomes: Outcome[];

  beforeAll(async () => {
    let codeStarUrl: string;
    let secretsUrl: string;
    if (scenario === 'hung') {
      // The local endpoint's own fault injection for CodeStar; Secrets Manager just as hung.
      const codestar = await startLocalCodeStar();
      codestar.faults.hang();
      const secrets = await startHungServer();
      closers.push(() => codestar.close(), () => secrets.close());
      [codeStarUrl, secretsUrl] = [codestar.url, secrets.url];
    } else {
      codeStarUrl = secretsUrl = `http://127.0.0.1:${await closedPort()}`;
    }
    container = await LambdaContainer.start({ AWS_ENDPOINT_URL_CODESTAR: codeStarUrl, AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl });
    closers.unshift(() => container.close());
    outcomes = await invokeAll(container);
  });

  afterAll(async () => {
    for (const close of closers) {
      await close();
    }
  });

  const deadlineMs = computeDeadline(0, LAMBDA_TIMEOUT_MS);

  test('the deadline leaves the Lambda time to report', () => {
    expect(deadlineMs).toBeGreaterThan(LAMBDA_TIMEOUT_MS / 2);
    expect(deadlineMs).toBeLessThan(LAMBDA_TIMEOUT_MS - TIMER_SLACK_MS);
  });

  test.each(INVOCATIONS.map(([label, , , operation]) => [label, operation] as const))('%s', (label, operation) => {
    const outcome = outcomes.find(o => o.label === label)!;

    // A clear reason: the operation, that the deadline passed, and what the last attempt saw.
    expect(outcome.reason).toMatch(operation);
    expect(outcome.reason).toMatch(/did not succeed before the handler's deadline/);
    expect(outcome.reason).toMatch(detail);
    // Thrown as one line: the framework reports `stack`, so it must be the message alone.
    expect(outcome.stack).toBe(`HandlerError: ${outcome.reason}`);
    // Before its own deadline (plus timer slack), and so well before the Lambda timeout.
    expect(outcome.elapsedMs).toBeLessThanOrEqual(deadlineMs + TIMER_SLACK_MS);
    expect(outcome.elapsedMs).toBeLessThan(LAMBDA_TIMEOUT_MS);
  });

  test('and says so in its log, once per invocation', () => {
    const failed = container.text.split('\n').filter(line => line.includes('"event":"failed"'));
    expect(failed).toHaveLength(INVOCATIONS.length);
  });
});

describe('the timeouts as configured: each one is shorter than the next', () => {
  test.each(['initial', 'changed'] as const)('in the example app (%s)', (stage) => {
    const { template } = synthExample(stage);
    const resources = Object.values<any>(template.Resources);

    const handlers = resources.filter(r => r.Type === 'AWS::Lambda::Function' && /^index\./.test(r.Properties.Handler));
    expect(handlers).toHaveLength(1);
    for (const handler of handlers) {
      const lambdaTimeoutMs = handler.Properties.Timeout * 1000;
      expect(lambdaTimeoutMs).toBe(HANDLER_TIMEOUT.toMilliseconds());
      // 1. the handler's deadline < 2. the Lambda timeout
      expect(computeDeadline(0, lambdaTimeoutMs)).toBeLessThan(lambdaTimeoutMs);
    }

    const customResources = resources.filter(r => /^Custom::CodeStar/.test(r.Type));
    expect(customResources.length).toBeGreaterThan(0);
    for (const resource of customResources) {
      const serviceTimeout = Number(resource.Properties.ServiceTimeout);
      expect(serviceTimeout).toBeLessThanOrEqual(3600);
      if (resource.Type === PROJECT) {
        // 3. the project's wait, then its last poll and that invocation < 5. its serviceTimeout
        const wait = Number(resource.Properties.timeoutSeconds ?? 1800);
        expect(wait + QUERY_INTERVAL.toSeconds() + HANDLER_TIMEOUT.toSeconds()).toBeLessThan(serviceTimeout);
      } else {
        // 2. the Lambda timeout < 5. the serviceTimeout of a one-call resource
        expect(HANDLER_TIMEOUT.toSeconds()).toBeLessThan(serviceTimeout);
      }
    }

    // 4. the function's own bound on a wait, over all its invocations, outlasts the longest project timeout.
    expect(resources.some(r => r.Type === 'AWS::StepFunctions::StateMachine')).toBe(false);
    expect(MAX_WAIT_MS).toBeGreaterThan(MAX_PROJECT_TIMEOUT.toMilliseconds());
  });

  test('with a project timeout set by the user', () => {
    const stack = new Stack(new App(), 'Stack');
    new CodeStarProject(stack, 'Project', { projectId: 'longest', projectName: 'Longest', timeout: MAX_PROJECT_TIMEOUT });
    const resource = Object.values<any>((stack.node.root as App).synth().getStackByName('Stack').template.Resources).find(r => r.Type === PROJECT);

    expect(Number(resource.Properties.timeoutSeconds) + QUERY_INTERVAL.toSeconds() + HANDLER_TIMEOUT.toSeconds())
      .toBeLessThan(Number(resource.Properties.ServiceTimeout));
    expect(Number(resource.Properties.ServiceTimeout)).toBe(3600);
  });

  test.each([100, 1_000, 10_000, 60_000, 120_000, 900_000])('the deadline with %i ms left is before the Lambda timeout', (remaining) => {
    const deadline = computeDeadline(0, remaining);
    expect(deadline).toBeLessThan(remaining);
    expect(deadline).toBeGreaterThanOrEqual(Math.min(remaining * 0.8, remaining - 5_000, 120_000) - 1);
  });
});

describe('the chain, end to end, with short configured values', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

  /** A runner with a 1.5 s Lambda timeout, emulating the Provider framework and CloudFormation. */
  function runner(codeStarEndpoint: string, handler: LambdaContainer, lines: string[]) {
    const dir = tempDir();
    dirs.push(dir);
    return new LifecycleRunner({
      stateFile: path.join(dir, 'state.json'),
      handler,
      codeStarEndpoint,
      lambdaTimeoutMs: LAMBDA_TIMEOUT_MS,
      writer: line => lines.push(line),
    });
  }

  /** Deploys the app in `outdir` with the real bundle in a Lambda-like container; closes both afterwards. */
  async function deployAndClose(codestar: LocalCodeStar, outdir: string) {
    // The function goes on waiting in a new invocation of itself, through the runner's Lambda stand-in.
    const container = await LambdaContainer.start({ AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_ENDPOINT_URL_LAMBDA: await localLambdaEndpoint() });
    const started = Date.now();
    try {
      const result = await runner(codestar.url, container, []).deploy(outdir);
      return { result, elapsedMs: Date.now() - started };
    } finally {
      await container.close();
      await codestar.close();
    }
  }

  test('a hung CodeStar fails the deployment with the handler\'s reason, not a Lambda or CloudFormation timeout', async () => {
    const codestar = await startLocalCodeStar();
    codestar.faults.hang();
    const outdir = tempDir();
    dirs.push(outdir);
    const app = new App({ outdir });
    const stack = new Stack(app, 'Hung');
    new UserProfile(stack, 'Profile', { user: new iam.User(stack, 'User'), displayName: 'A', emailAddress: 'a@example.org' });
    app.synth();
    const { result, elapsedMs } = await deployAndClose(codestar, outdir);

    expect(result.success).toBe(false);
    const failed = result.stacks[0].events.find(e => e.status === 'CREATE_FAILED')!;
    expect(failed.resourceType).toBe('Custom::CodeStarUserProfile');
    expect(failed.reason).toMatch(/^CreateUserProfile did not succeed before the handler's deadline \(\d+ attempts, the last one unanswered\)$/);
    expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
    expect(elapsedMs).toBeLessThan(LAMBDA_TIMEOUT_MS + 1_000);
  });

  test('a project CodeStar never finishes fails at its own timeout, before its serviceTimeout', async () => {
    const codestar = await startLocalCodeStar({ transitions: { delayMs: 600_000 } });
    const outdir = tempDir();
    dirs.push(outdir);
    const app = new App({ outdir });
    const stack = new Stack(app, 'Slow');
    new CodeStarProject(stack, 'Project', { projectId: 'slow', projectName: 'Slow', timeout: Duration.minutes(1) });
    app.synth();
    // The configured values, shortened: a 1 s wait, a 3 s serviceTimeout, 1.5 s per invocation.
    const templateFile = path.join(outdir, 'Slow.template.json');
    const template = JSON.parse(fs.readFileSync(templateFile, 'utf-8'));
    const resource = Object.values<any>(template.Resources).find(r => r.Type === PROJECT);
    resource.Properties.timeoutSeconds = 1;
    resource.Properties.ServiceTimeout = '3';
    fs.writeFileSync(templateFile, JSON.stringify(template));
    const { result, elapsedMs } = await deployAndClose(codestar, outdir);

    const failed = result.stacks[0].events.find(e => e.status === 'CREATE_FAILED')!;
    expect(failed.reason).toBe('Project slow is still CreateInProgress after its timeout of 1 seconds; '
      + 'CodeStar may still finish in the background: check the project, or give it a longer timeout');
    expect(elapsedMs).toBeLessThan(3_000);
  });
});

describe('the framework emulation agrees', () => {
  test('a hung CodeStar gives CloudFormation the handler\'s reason', async () => {
    const codestar = await startLocalCodeStar();
    codestar.faults.hang();
    const container = await LambdaContainer.start({ AWS_ENDPOINT_URL_CODESTAR: codestar.url });
    let result: FrameworkRun;
    try {
      result = await throughFramework(container, cfnEvent('Create', MEMBER, member), { lambdaTimeoutMs: LAMBDA_TIMEOUT_MS });
    } finally {
      await container.close();
      await codestar.close();
    }

    expect(result.status).toBe('FAILED');
    expect(result.response.Reason).toMatch(/^AssociateTeamMember did not succeed before the handler's deadline \(1 attempts, the last one unanswered\)\n\nLogs: /);
  });
});
