import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeStarClient, UpdateTeamMemberCommand } from '@aws-sdk/client-codestar';
import { runCli } from './helpers';
import { ProjectRole } from '../../src';
import { STATE_FILE } from '../../src/cli/deployed';
import { StackPlan } from '../../src/cli/plan';
import { LocalCloudFormation, startLocalCloudFormation } from '../../src/local/cloudformation-endpoint';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { AppSpec, synthesize, userArn } from '../e2e/helpers';
import { tempDir } from '../local/helpers';

/**
 * `plan --cloudformation` and `drift --cloudformation`: the deployed stack read through the
 * CloudFormation API (the real SDK client against the local stand-in, which serves what the
 * runner deployed), from a directory that holds no runner state at all.
 */

jest.setTimeout(120_000);

let codestar: LocalCodeStar;
let cloudformation: LocalCloudFormation;
let deployDir: string;
let elsewhere: string;

const app = (role: ProjectRole): AppSpec => ({
  projects: [{ projectId: 'cfn-app', name: 'CFN app', tags: { team: 'blue' }, members: [{ user: 'alice', role }, { user: 'bob', role: ProjectRole.VIEWER }] }],
  profiles: [{ user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org' }],
});

beforeAll(async () => {
  codestar = await startLocalCodeStar();
  deployDir = tempDir('cdk-codestar-cfn-deploy-');
  elsewhere = tempDir('cdk-codestar-cfn-elsewhere-');
  synthesize(path.join(deployDir, 'cdk.out'), app(ProjectRole.CONTRIBUTOR));
  const deployed = await runCli(deployDir, ['deploy', '--poll-interval', '1'], { AWS_ENDPOINT_URL_CODESTAR: codestar.url });
  expect(deployed.code).toBe(0);
  // CloudFormation's view of the account: what the runner deployed, served through the CloudFormation API, with small pages.
  cloudformation = await startLocalCloudFormation({ stateFile: path.join(deployDir, STATE_FILE), pageSize: 4 });
});
afterAll(async () => {
  await cloudformation.close();
  await codestar.close();
  fs.rmSync(deployDir, { recursive: true, force: true });
  fs.rmSync(elsewhere, { recursive: true, force: true });
});

/** A command in a directory with no `.cdk-codestar` state: only CloudFormation can say what is deployed. */
function cli(args: readonly string[]) {
  return runCli(elsewhere, args, { AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url });
}

async function planJson(args: readonly string[], cwd = elsewhere): Promise<StackPlan> {
  const ran = await runCli(cwd, ['plan', '--json', ...args], { AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url });
  expect([ran.code, ran.stderr]).toEqual([0, '']);
  return (JSON.parse(ran.stdout) as { stacks: StackPlan[] }).stacks[0];
}

test('plan --cloudformation: the deployed stack read back is no change; a changed app plans as the runner\'s state does', async () => {
  const assembly = path.join(deployDir, 'cdk.out');
  codestar.clearCalls();

  const unchanged = await planJson([assembly, '--cloudformation']);

  expect(unchanged.isNew).toBe(false);
  expect(unchanged.resources.map(r => r.action)).toEqual(Array(4).fill('no-change'));
  expect(codestar.mutatingCalls()).toEqual([]);
  expect(new Set(cloudformation.actions)).toEqual(new Set(['DescribeStacks', 'GetTemplate', 'ListStackResources']));
  expect(cloudformation.actions.filter(a => a === 'ListStackResources').length).toBeGreaterThan(1);
  expect(fs.existsSync(path.join(elsewhere, '.cdk-codestar'))).toBe(false);

  const changed = path.join(elsewhere, 'changed.out');
  synthesize(changed, app(ProjectRole.OWNER));
  const fromCloudFormation = await planJson([changed, '--cloudformation']);
  fs.cpSync(path.join(deployDir, '.cdk-codestar'), path.join(elsewhere, 'with-state', '.cdk-codestar'), { recursive: true });
  const fromState = await planJson([changed], path.join(elsewhere, 'with-state'));

  expect(fromCloudFormation).toEqual(fromState);
  expect(fromCloudFormation.resources.flatMap(r => r.calls)).toEqual([{
    operation: 'UpdateTeamMember', input: { projectId: 'cfn-app', userArn: userArn('alice'), projectRole: 'Owner' },
  }]);
});

test('drift --cloudformation: in sync, then a change outside CDK found', async () => {
  const assembly = path.join(deployDir, 'cdk.out');
  const inSync = await cli(['drift', assembly, '--cloudformation']);
  expect([inSync.code, inSync.stderr]).toEqual([0, '']);
  expect(inSync.stdout).toMatch(/4 CodeStar resources in 1 stack: 4 in sync/);

  const client = new CodeStarClient({ endpoint: codestar.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await client.send(new UpdateTeamMemberCommand({ projectId: 'cfn-app', userArn: userArn('bob'), projectRole: 'Contributor' }));
  client.destroy();

  const drifted = await cli(['drift', assembly, '--cloudformation']);
  expect(drifted.code).toBe(1);
  expect(drifted.stdout).toMatch(/TeamMember\w*Bob\w* \(Custom::CodeStarTeamMember\) DRIFTED: projectRole: expected Viewer, actual Contributor/);
});

test('a stack CloudFormation does not hold: plan says new, drift says never deployed', async () => {
  const other = path.join(elsewhere, 'other.out');
  synthesize(other, app(ProjectRole.VIEWER), 'NotDeployed');

  const planned = await planJson([other, '--cloudformation']);
  expect(planned.isNew).toBe(true);

  const drift = await cli(['drift', other, '--cloudformation']);
  expect(drift.code).toBe(1);
  expect(drift.stderr).toMatch(/^cdk-codestar drift: stack NotDeployed of .* was never deployed \(CloudFormation has no such stack\)/);
});
