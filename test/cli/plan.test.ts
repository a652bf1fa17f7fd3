import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ran, runCli } from './helpers';
import { ProjectRole } from '../../src';
import { PLAN_USAGE, PlannedCall, StackPlan } from '../../src/cli/plan';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { UNKNOWN_VALUE } from '../../src/local/runner';
import { AppSpec, synthesize, userArn } from '../e2e/helpers';
import { tempDir } from '../local/helpers';

/**
 * `cdk-codestar plan` as a process. The proof that a plan is what will happen: each step of an
 * app's life is planned, then deployed, and the mutating calls the endpoint saw are exactly the
 * calls planned (a value the plan cannot know yet, such as a new stack's tokens, matches any).
 */

jest.setTimeout(120_000);

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
  dir = tempDir('cdk-codestar-plan-');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function cli(args: readonly string[], env: Record<string, string | undefined> = { AWS_ENDPOINT_URL_CODESTAR: codestar.url }): Promise<Ran> {
  return runCli(dir, args, env);
}

async function plan(): Promise<StackPlan> {
  codestar.clearCalls();
  const ran = await cli(['plan', '--json']);
  expect([ran.code, ran.stderr]).toEqual([0, '']);
  // A plan reads; it never changes the account.
  expect(codestar.mutatingCalls()).toEqual([]);
  const { stacks } = JSON.parse(ran.stdout) as { stacks: StackPlan[] };
  expect(stacks).toHaveLength(1);
  return stacks[0];
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

async function planThenDeploy(spec: AppSpec): Promise<StackPlan> {
  synthesize(path.join(dir, 'cdk.out'), spec);
  const planned = await plan();
  const made = await deploy();
  expect(byKey(made)).toEqual(byKey(expected(planned)));
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
