import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeStarClient, DeleteProjectCommand, DeleteUserProfileCommand, DescribeProjectCommand, DisassociateTeamMemberCommand,
} from '@aws-sdk/client-codestar';
import { App, Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Ran, runCli } from './helpers';
import { CodeStarProject, ProjectRole, TeamMember } from '../../src';
import { STATE_FILE } from '../../src/cli/deployed';
import { PLAN_USAGE, PlannedCall, StackPlan } from '../../src/cli/plan';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { CfnTemplate, UNKNOWN_VALUE } from '../../src/local/runner';
import { AppSpec, buildApp, STACK_NAME, synthesize, userArn } from '../e2e/helpers';
import { codeStarClient, tempDir } from '../local/helpers';

/**
 * `cdk-codestar plan` as a process. The proof that a plan is what will happen: each step of an
 * app's life is planned, then deployed, and the mutating calls the endpoint saw are exactly the
 * calls planned (a value the plan cannot know yet, such as a new stack's tokens, matches any).
 */

jest.setTimeout(120_000);

let dir: string;
let codestar: LocalCodeStar;
let client: CodeStarClient;

beforeAll(async () => {
  codestar = await startLocalCodeStar();
  client = codeStarClient(codestar.url);
});
afterAll(async () => {
  client.destroy();
  await codestar.close();
});
beforeEach(() => {
  codestar.reset();
  dir = tempDir('cdk-codestar-plan-');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function cli(args: readonly string[], env: Record<string, string | undefined> = { AWS_ENDPOINT_URL_CODESTAR: codestar.url }): Promise<Ran> {
  return runCli(dir, args, env);
}

/** The plan of every stack; a plan reads, and never changes the account or the state file. */
async function planStacks(): Promise<StackPlan[]> {
  codestar.clearCalls();
  const stateFile = path.join(dir, STATE_FILE);
  const state = fs.existsSync(stateFile) ? fs.readFileSync(stateFile, 'utf8') : undefined;
  const ran = await cli(['plan', '--json']);
  expect([ran.code, ran.stderr]).toEqual([0, '']);
  expect(codestar.mutatingCalls()).toEqual([]);
  expect(fs.existsSync(stateFile) ? fs.readFileSync(stateFile, 'utf8') : undefined).toEqual(state);
  return (JSON.parse(ran.stdout) as { stacks: StackPlan[] }).stacks;
}

async function plan(): Promise<StackPlan> {
  const stacks = await planStacks();
  expect(stacks).toHaveLength(1);
  return stacks[0];
}

/** A deploy that must fail: each stack's status and reason. */
async function failingDeploy(): Promise<Array<{ stackName: string; status: string; reason?: string }>> {
  const ran = await cli(['deploy', '--json', '--poll-interval', '1']);
  expect(ran.code).toBe(1);
  const result = JSON.parse(ran.stdout) as { success: boolean; stacks: Array<{ stackName: string; status: string; reason?: string }> };
  expect(result.success).toBe(false);
  return result.stacks;
}

/** Changes the synthesized template of the stack, as a hand-made or edited template would be. */
function editTemplate(edit: (template: CfnTemplate) => void, stackName = STACK_NAME): void {
  const file = path.join(dir, 'cdk.out', `${stackName}.template.json`);
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as CfnTemplate;
  edit(template);
  fs.writeFileSync(file, JSON.stringify(template));
}

/** The template's one resource of the type, to be edited. */
function resourceOfType(template: CfnTemplate, type: string): { Type: string; Properties?: Record<string, unknown> } {
  const found = Object.values(template.Resources ?? {}).filter(r => r.Type === type);
  expect(found).toHaveLength(1);
  return found[0] as { Type: string; Properties?: Record<string, unknown> };
}

/** A project deleted outside CDK, and gone. */
async function deleteOutside(projectId: string): Promise<void> {
  await client.send(new DeleteProjectCommand({ id: projectId }));
  // The endpoint completes a deletion once it has been described.
  await client.send(new DescribeProjectCommand({ id: projectId }));
  expect(codestar.state.project(projectId)).toBeUndefined();
}

/** Deploys, and answers the mutating calls the deploy made, as the endpoint logged them. */
async function deploy(): Promise<PlannedCall[]> {
  codestar.clearCalls();
  const ran = await cli(['deploy', '--poll-interval', '1']);
  expect([ran.code, ran.stderr]).toEqual([0, '']);
  return codestar.mutatingCalls().map(c => ({ operation: c.operation, input: c.input }) as PlannedCall);
}

/** The planned calls, with values the plan could not know matching anything. */
function expected(stack: StackPlan): unknown[] {
  const wildcard = (value: unknown): unknown => value === UNKNOWN_VALUE ? expect.any(String)
    : Array.isArray(value) ? value.map(wildcard)
      : typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wildcard(v)]))
        : value;
  return stack.resources.flatMap(r => r.calls).map(c => wildcard(c));
}

const byKey = (calls: readonly unknown[]) => [...calls].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function planThenDeploy(spec: AppSpec | ((stack: Stack) => void)): Promise<StackPlan> {
  synthesize(path.join(dir, 'cdk.out'), spec);
  const planned = await plan();
  const made = await deploy();
  expect(byKey(made)).toEqual(byKey(expected(planned)));
  return planned;
}

/** Plans every stack of the assembly in cdk.out, deploys it, and proves the calls the same. */
async function planThenDeployAll(): Promise<StackPlan[]> {
  const planned = await planStacks();
  const made = await deploy();
  expect(byKey(made)).toEqual(byKey(planned.flatMap(expected)));
  return planned;
}

const actions = (stack: StackPlan) => Object.fromEntries(stack.resources.map(r => [r.logicalId.replace(/[0-9A-F]{8}$/, ''), r.action]));

const first: AppSpec = {
  projects: [{
    projectId: 'plan-app',
    name: 'Plan app',
    description: 'before',
    tags: { team: 'blue', cost: 'a' },
    members: [{ user: 'alice', role: ProjectRole.CONTRIBUTOR }, { user: 'bob', role: ProjectRole.VIEWER }],
  }],
  profiles: [{ user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org' }],
};

test('plan == deploy, through an app\'s life: create, no change, update in place, a member swapped, removals', async () => {
  const created = await planThenDeploy(first);
  expect(created.isNew).toBe(true);
  expect(new Set(created.resources.map(r => r.action))).toEqual(new Set(['create']));
  expect(created.resources.find(r => r.resourceType === 'Custom::CodeStarProject')!.notes.join(' ')).toMatch(/no new projects since 2024-07-31/);

  const unchanged = await planThenDeploy(first);
  expect(unchanged.resources.every(r => r.action === 'no-change' && r.calls.length === 0)).toBe(true);

  // Renamed, a tag changed and one removed, a role and remote access changed, an e-mail changed, bob
  // replaced by carol, and a profile for carol.
  const changed = await planThenDeploy({
    projects: [{
      ...first.projects![0],
      name: 'Plan app, renamed',
      tags: { team: 'green' },
      members: [
        { user: 'alice', role: ProjectRole.OWNER, remoteAccessAllowed: true },
        { user: 'carol', role: ProjectRole.VIEWER },
      ],
    }],
    profiles: [
      { user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.net' },
      { user: 'carol', displayName: 'Carol Example', emailAddress: 'carol@example.org' },
    ],
  });
  const project = changed.resources.find(r => r.resourceType === 'Custom::CodeStarProject')!;
  expect(project.action).toBe('update');
  expect(project.calls).toEqual([
    { operation: 'UpdateProject', input: { id: 'plan-app', name: '***' } },
    { operation: 'TagProject', input: { id: 'plan-app', tags: { team: 'green' } } },
    { operation: 'UntagProject', input: { id: 'plan-app', tags: ['cost'] } },
  ]);
  expect(changed.resources.find(r => r.calls.some(c => c.operation === 'UpdateTeamMember'))!.calls).toEqual([{
    operation: 'UpdateTeamMember',
    input: { projectId: 'plan-app', userArn: userArn('alice'), projectRole: 'Owner', remoteAccessAllowed: true },
  }]);
  // A member's logical id derives from its user: another user is another resource, created, and the old one deleted.
  expect(changed.resources.filter(r => r.action === 'create').flatMap(r => r.calls.map(c => c.operation)).sort())
    .toEqual(['AssociateTeamMember', 'CreateUserProfile']);
  expect(changed.resources.filter(r => r.action === 'delete').flatMap(r => r.calls)).toEqual([
    { operation: 'DisassociateTeamMember', input: { projectId: 'plan-app', userArn: userArn('bob') } },
  ]);
  expect(changed.resources.find(r => r.resourceType === 'Custom::CodeStarUserProfile' && r.action === 'update')!.calls)
    .toEqual([{ operation: 'UpdateUserProfile', input: { userArn: userArn('alice'), emailAddress: '***' } }]);

  // Everything but the project removed: deletions, planned and made.
  const removed = await planThenDeploy({ projects: [{ ...first.projects![0], name: 'Plan app, renamed', tags: { team: 'green' }, members: [] }] });
  expect(removed.resources.filter(r => r.action === 'delete').flatMap(r => r.calls.map(c => c.operation)).sort())
    .toEqual(['DeleteUserProfile', 'DeleteUserProfile', 'DisassociateTeamMember', 'DisassociateTeamMember']);
});

test('an existing account: adoption planned with its converging calls, conflicts planned as failures', async () => {
  codestar.state.seedProject({ id: 'legacy', name: 'Legacy', tags: { team: 'blue' }, owner: null });
  codestar.state.seedTeamMember('legacy', { userArn: userArn('alice'), projectRole: 'Viewer' });
  codestar.state.seedUserProfile({ userArn: userArn('alice'), displayName: 'Alice', emailAddress: 'alice@example.org' });

  synthesize(path.join(dir, 'cdk.out'), { projects: [{ projectId: 'legacy', name: 'Legacy', members: [{ user: 'alice', role: ProjectRole.CONTRIBUTOR }] }] });
  const conflict = await plan();
  // The deploy stops at the conflict: the member that depends on the project is never reached.
  expect(conflict.resources).toEqual([
    expect.objectContaining({ action: 'fail', notes: [expect.stringMatching(/already exists and is not this resource's own creation/)] }),
    expect.objectContaining({ action: 'not-reached', calls: [], notes: [expect.stringMatching(/^not reached: the deploy fails at Project/)] }),
  ]);

  const adopted = await planThenDeploy({
    projects: [{ projectId: 'legacy', name: 'Legacy', tags: { team: 'blue' }, adopt: true, members: [{ user: 'alice', role: ProjectRole.CONTRIBUTOR }] }],
    profiles: [{ user: 'alice', displayName: 'Alice', emailAddress: 'alice@example.org', adopt: true }],
  });
  expect(Object.values(actions(adopted))).toEqual(['adopt', 'adopt', 'adopt']);
  expect(adopted.resources.flatMap(r => r.calls)).toEqual([{
    operation: 'UpdateTeamMember', input: { projectId: 'legacy', userArn: userArn('alice'), projectRole: 'Contributor' },
  }]);
});

test('a new project id is a replacement, flagged, and a retained old project is said to stay', async () => {
  await planThenDeploy({ projects: [{ projectId: 'first-id', name: 'App', retain: true }] });

  const replaced = await planThenDeploy({ projects: [{ projectId: 'second-id', name: 'App', retain: true }] });

  expect(replaced.resources).toEqual([expect.objectContaining({
    action: 'replace',
    calls: [expect.objectContaining({ operation: 'CreateProject' })],
    notes: expect.arrayContaining([expect.stringMatching(/^the old one: Retain: left in the account/)]),
  })]);
  expect(codestar.state.project('first-id')).toBeDefined();

  // Without RETAIN, the old project is deleted in cleanup: planned, flagged, and made.
  const destroyed = await planThenDeploy({ projects: [{ projectId: 'third-id', name: 'App' }] });
  expect(destroyed.resources[0].calls.map(c => c.operation)).toEqual(['CreateProject', 'DeleteProject']);
  expect(destroyed.resources[0].notes).toContain('the old one: project second-id is deleted: CodeStar can never create it again');
});

test('the printed plan: one line per resource, its calls, no personal data', async () => {
  await planThenDeploy(first);
  synthesize(path.join(dir, 'cdk.out'), {
    projects: [{ ...first.projects![0], members: [{ user: 'alice', role: ProjectRole.OWNER }, { user: 'bob', role: ProjectRole.VIEWER }] }],
    profiles: first.profiles,
  });

  const ran = await cli(['plan']);

  expect(ran.code).toBe(0);
  expect(ran.stdout).toMatch(/^E2E\n/);
  expect(ran.stdout).toMatch(/ {2}update {4}TeamMember\w+ \(Custom::CodeStarTeamMember\)\n {6}UpdateTeamMember \{"projectId":"plan-app","userArn":"arn:aws:iam::\d{12}:user\/\*\*\*","projectRole":"Owner"\}\n/);
  expect(ran.stdout).toMatch(/ {2}3 no change, 1 update; 1 CodeStar call\n$/);
  // Logical ids are the template's own; values are masked, user names in ARNs too.
  expect(ran.stdout).not.toMatch(/user\/alice|user\/bob|example\.org|Alice Example|Plan app/);
});

// ---- two stacks: a project in one, its team in the other (CDK's automatic cross-stack reference) ----

/** Stack Projects holds the project; stack Teams its members, which import its id from Projects. */
function synthTwoStacks(projectId: string, options: { adopt?: boolean } = {}): void {
  const app = new App({ outdir: path.join(dir, 'cdk.out'), analyticsReporting: false });
  const projects = new Stack(app, 'Projects');
  const teams = new Stack(app, 'Teams');
  const project = new CodeStarProject(projects, 'Project', {
    projectId, projectName: 'Shared', deletionProtection: false, removalPolicy: RemovalPolicy.DESTROY, adopt: options.adopt,
  });
  for (const name of ['alice', 'bob']) {
    new TeamMember(teams, `Member-${name}`, { project, user: iam.User.fromUserName(teams, `User-${name}`, name), role: ProjectRole.CONTRIBUTOR });
  }
  app.synth();
}

test('two stacks: the second imports the first\'s export, created or changed by the same deploy, and plans == deploy', async () => {
  synthTwoStacks('shared-one');
  const created = await planThenDeployAll();
  expect(created.map(s => [s.stackName, s.isNew, s.error])).toEqual([['Projects', true, undefined], ['Teams', true, undefined]]);
  // The members' project is created by the stack before: its team starts empty, and the import is its id.
  expect(created[1].resources.map(r => [r.action, r.calls.map(c => [c.operation, c.input.projectId])])).toEqual([
    ['create', [['AssociateTeamMember', 'shared-one']]],
    ['create', [['AssociateTeamMember', 'shared-one']]],
  ]);

  // A new project id changes the export: the members move to the new project (new logical ids),
  // and the old memberships go with the old project, which the first stack deletes before the
  // second is reached: their deletion calls nothing.
  synthTwoStacks('shared-two');
  const moved = await planThenDeployAll();
  expect(moved[0].resources[0].calls.map(c => c.operation)).toEqual(['CreateProject', 'DeleteProject']);
  expect(moved[1].resources.map(r => [r.action, r.calls.map(c => [c.operation, c.input.projectId]), r.notes])).toEqual([
    ['create', [['AssociateTeamMember', 'shared-two']], []],
    ['create', [['AssociateTeamMember', 'shared-two']], []],
    ['delete', [], ['project shared-one no longer exists: nothing to delete']],
    ['delete', [], ['project shared-one no longer exists: nothing to delete']],
  ]);
});

test('two stacks: when the first fails, the deploy stops, and the second is planned as not reached', async () => {
  codestar.state.seedProject({ id: 'taken', owner: null });
  synthTwoStacks('taken');

  const planned = await planStacks();
  const stacks = await failingDeploy();

  expect(planned[0].resources.map(r => r.action)).toEqual(['fail']);
  expect(planned[1].resources.map(r => [r.action, r.calls, r.notes])).toEqual([
    ['not-reached', [], ['not reached: the deploy stops at stack Projects, which fails']],
    ['not-reached', [], ['not reached: the deploy stops at stack Projects, which fails']],
  ]);
  expect(stacks.map(s => s.stackName)).toEqual(['Projects']);
  expect(codestar.mutatingCalls()).toEqual([]);
});

// ---- the deploy's own checks, before anything is delivered ----

const serviceTokenless = (template: CfnTemplate) => { delete resourceOfType(template, 'Custom::CodeStarProject').Properties!.ServiceToken; };
const otherServiceToken = (template: CfnTemplate) => {
  resourceOfType(template, 'Custom::CodeStarProject').Properties!.ServiceToken = 'arn:aws:lambda:us-east-1:123456789012:function:another-provider';
};
const otherType = (template: CfnTemplate) => { resourceOfType(template, 'Custom::CodeStarUserProfile').Type = 'Custom::CodeStarTeamMember'; };

test.each([
  ['no ServiceToken, in a new stack', false, serviceTokenless, 'ServiceToken property is required'],
  ['a changed ServiceToken', true, otherServiceToken, 'Modifying service token is not allowed.'],
  ['a changed resource type', true, otherType, 'Update of resource type is not permitted (from Custom::CodeStarUserProfile to Custom::CodeStarTeamMember)'],
])('%s: the plan fails as the deploy does, with its reason', async (_, deployedBefore, edit, reason) => {
  const app: AppSpec = { projects: [{ projectId: 'checked', name: 'Checked' }], profiles: [{ user: 'alice', displayName: 'Alice', emailAddress: 'alice@example.org' }] };
  if (deployedBefore) {
    await planThenDeploy(app);
  }
  synthesize(path.join(dir, 'cdk.out'), app);
  editTemplate(edit);

  const planned = await plan();
  const [stack] = await failingDeploy();

  expect(planned.resources.filter(r => r.action === 'fail').map(r => r.notes)).toEqual([[`the deploy fails at it: ${reason}`]]);
  expect(stack.reason).toContain(reason);
});

test('Outputs that cannot be resolved: the stack fails as the deploy does, and its cleanup is not reached', async () => {
  await planThenDeploy({ profiles: [{ user: 'alice', displayName: 'Alice', emailAddress: 'alice@example.org' }] });
  synthesize(path.join(dir, 'cdk.out'), stack => {
    buildApp(stack, { projects: [{ projectId: 'with-outputs', name: 'With outputs' }] });
    new CfnOutput(stack, 'Imported', { value: Fn.importValue('no-such-export') });
  });

  const planned = await plan();
  const [stack] = await failingDeploy();

  expect(planned.error).toBe('Outputs: No export named no-such-export found');
  expect(stack.reason).toBe(planned.error);
  expect(planned.resources.map(r => [r.resourceType, r.action])).toEqual([
    ['Custom::CodeStarProject', 'create'],
    ['Custom::CodeStarUserProfile', 'not-reached'],
  ]);
  expect(codestar.state.userProfile(userArn('alice'))).toBeDefined();
});

// ---- the live project, as the handler's wait finds it ----

test.each([
  ['CreateFailed', 'Project legacy CreateFailed'],
  ['UpdateFailed', 'Project legacy UpdateFailed'],
  ['DeleteFailed', 'Project legacy is being deleted (DeleteFailed)'],
  ['DeleteInProgress', 'Project legacy is being deleted (DeleteInProgress)'],
] as const)('an existing project in %s, adopted: the plan fails as the deploy does', async (state, handlerReason) => {
  codestar.state.seedProject({ id: 'legacy', name: 'Legacy', state, reason: 'seeded', owner: null });
  synthesize(path.join(dir, 'cdk.out'), { projects: [{ projectId: 'legacy', name: 'Legacy', adopt: true }] });

  const planned = await plan();

  expect(planned.resources).toEqual([expect.objectContaining({ action: 'fail', calls: [], notes: [expect.stringContaining(`(${handlerReason})`)] })]);
  if (state !== 'DeleteInProgress') {
    // A seeded deletion never completes on the endpoint: that deploy's rollback would wait for it until its timeout.
    const [stack] = await failingDeploy();
    expect(stack.reason).toContain(handlerReason);
  }
});

test.each([
  ['deleted outside CDK, and only its timeout changed', 'gone', { timeout: Duration.minutes(20) }, 'Project in-place no longer exists'],
  ['UpdateFailed outside CDK, and only its deletion protection changed', 'UpdateFailed', { deletionProtection: true }, 'Project in-place UpdateFailed'],
] as const)('a deployed project %s: the Update is waited on, and the plan fails as the deploy does', async (_, change, props, handlerReason) => {
  const build = (extra: object) => (stack: Stack) => {
    new CodeStarProject(stack, 'Project', { projectId: 'in-place', projectName: 'In place', deletionProtection: false, removalPolicy: RemovalPolicy.RETAIN, ...extra });
  };
  await planThenDeploy(build({}));
  if (change === 'gone') {
    await deleteOutside('in-place');
  } else {
    codestar.state.setProjectStatus('in-place', change);
  }
  synthesize(path.join(dir, 'cdk.out'), build(props));

  const planned = await plan();
  const [stack] = await failingDeploy();

  expect(planned.resources).toEqual([expect.objectContaining({ action: 'fail', calls: [], notes: [expect.stringContaining(`(${handlerReason})`)] })]);
  expect(stack.reason).toContain(handlerReason);
});

// ---- removals of what is already gone ----

test('removed resources already gone: a membership and a profile are still removed by a call, a project is not', async () => {
  await planThenDeploy({
    projects: [
      { projectId: 'kept', name: 'Kept', members: [{ user: 'alice', role: ProjectRole.VIEWER }] },
      { projectId: 'gone', name: 'Gone', key: 'Gone' },
    ],
    profiles: [{ user: 'alice', displayName: 'Alice', emailAddress: 'alice@example.org' }],
  });
  await client.send(new DisassociateTeamMemberCommand({ projectId: 'kept', userArn: userArn('alice') }));
  await client.send(new DeleteUserProfileCommand({ userArn: userArn('alice') }));
  await deleteOutside('gone');

  const removed = await planThenDeploy({ projects: [{ projectId: 'kept', name: 'Kept' }] });

  expect(removed.resources.filter(r => r.action === 'delete').map(r => [r.resourceType, r.calls.map(c => c.operation)]).sort()).toEqual([
    ['Custom::CodeStarProject', []],
    ['Custom::CodeStarTeamMember', ['DisassociateTeamMember']],
    ['Custom::CodeStarUserProfile', ['DeleteUserProfile']],
  ]);
});

// ---- attributes a deploy will answer ----

test('a project found (adopted) or updated in place answers its known attributes: what references them is planned exactly', async () => {
  codestar.state.seedProject({ id: 'legacy', name: 'Legacy', owner: null });
  const build = (name: string) => (stack: Stack) => {
    const legacy = new CodeStarProject(stack, 'Legacy', { projectId: 'legacy', projectName: name, adopt: true, deletionProtection: false, removalPolicy: RemovalPolicy.RETAIN });
    new CodeStarProject(stack, 'Next', { projectId: 'next', projectName: 'Next', description: legacy.projectStackId, deletionProtection: false });
  };

  const adopted = await planThenDeploy(build('Legacy'));
  expect(adopted.resources.map(r => [r.action, r.calls.map(c => c.operation)])).toEqual([['adopt', []], ['create', ['CreateProject']]]);

  const renamed = await planThenDeploy(build('Legacy, renamed'));
  expect(renamed.resources.map(r => [r.action, r.calls.map(c => c.operation)])).toEqual([['update', ['UpdateProject']], ['no-change', []]]);
});

test('a new stack\'s AWS::StackId is known only after the deploy', async () => {
  const build = (stack: Stack) => {
    const project = new CodeStarProject(stack, 'Project', { projectId: 'stack-tagged', projectName: 'Tagged', deletionProtection: false });
    Tags.of(project).add('stack', Aws.STACK_ID);
  };
  synthesize(path.join(dir, 'cdk.out'), build);

  const created = await plan();
  await deploy();

  expect(created.resources).toEqual([expect.objectContaining({
    action: 'create', calls: [], notes: ['depends on a resource this deploy creates or replaces: its calls are known only then'],
  })]);
  const stackId = (JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')) as { stacks: Record<string, { stackId: string }> }).stacks[STACK_NAME].stackId;
  expect(codestar.state.project('stack-tagged')!.tags).toEqual({ stack: stackId });
  // Deployed, the stack id is known.
  expect((await planThenDeploy(build)).resources.map(r => r.action)).toEqual(['no-change']);
});

test('an existing profile, identical, without adopt: no change, used as it is, and left alone when removed', async () => {
  codestar.state.seedUserProfile({ userArn: userArn('alice'), displayName: 'Alice', emailAddress: 'alice@example.org' });

  const used = await planThenDeploy({ profiles: [{ user: 'alice', displayName: 'Alice', emailAddress: 'alice@example.org' }] });
  expect(used.resources).toEqual([expect.objectContaining({
    action: 'no-change', calls: [], notes: ['a profile exists already, identical: used as it is, not this stack\'s own, never deleted'],
  })]);

  const left = await planThenDeploy({});
  expect(left.resources.map(r => [r.action, r.calls])).toEqual([['retain', []]]);
  expect(codestar.state.userProfile(userArn('alice'))).toBeDefined();
});

test.each([
  [['plan', '--help'], 0, PLAN_USAGE],
  [['plan', 'a', 'b'], 2, /one assembly directory at most/],
  [['plan', '--stakc', 'x'], 2, /Unknown option '--stakc'/],
  [['plan'], 1, /cdk.out is not a cloud assembly/],
])('%j exits %d', async (args, code, output) => {
  const ran = await cli(args);

  expect(ran.code).toBe(code);
  if (typeof output === 'string') {
    expect(ran.stdout).toBe(`${output}\n`);
  } else {
    expect(ran.stderr).toMatch(output);
  }
});
