import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeStarClient,
  DeleteProjectCommand,
  DeleteUserProfileCommand,
  DisassociateTeamMemberCommand,
  TagProjectCommand,
  UntagProjectCommand,
  UpdateProjectCommand,
  UpdateTeamMemberCommand,
  UpdateUserProfileCommand,
} from '@aws-sdk/client-codestar';
import { App, Stack } from 'aws-cdk-lib';
import { Ran, runCli } from './helpers';
import { ProjectRole } from '../../src';
import { STATE_FILE } from '../../src/cli/deployed';
import { compareTags, DRIFT_USAGE, isSensitive } from '../../src/cli/drift';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { AppSpec, buildApp, synthesize, userArn } from '../e2e/helpers';
import { codeStarClient, tempDir } from '../local/helpers';

jest.setTimeout(60_000);

/*
 * `cdk-codestar drift` as a user runs it: a process, on an app deployed with `cdk-codestar deploy`
 * to a local endpoint whose account is then changed behind the stack's back through the real SDK.
 */

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

/** An IAM user name that is an e-mail address, as many are: it must never be printed. */
const USER = 'dana.smith@example.org';
const PROJECT_ID = 'drift-app';

/** Every value of the app (and of the outside changes) that the output must never show. */
const PERSONAL = {
  name: 'Quarterly Roadmap Tracker',
  description: 'Acquisition plan for Northwind',
  displayName: 'Dana Smith',
  emailAddress: 'dana.work@example.com',
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDanaKey dana@laptop',
  newName: 'Renamed Tracker',
  newDescription: 'Merger talks with Contoso',
  newEmailAddress: 'dana.private@example.net',
  newSshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKey dana@desktop',
};

const app: AppSpec = {
  projects: [{
    projectId: PROJECT_ID,
    name: PERSONAL.name,
    description: PERSONAL.description,
    tags: { team: 'core', env: 'prod', cost: 'c-1' },
    members: [{ user: USER, role: ProjectRole.CONTRIBUTOR, remoteAccessAllowed: true }],
  }],
  profiles: [{ user: USER, displayName: PERSONAL.displayName, emailAddress: PERSONAL.emailAddress, sshPublicKey: PERSONAL.sshPublicKey }],
};

/** `cdk-codestar drift ...args` in `dir`, with the endpoint's URL unless `env` says otherwise. */
function drift(dir: string, args: readonly string[] = [], env?: Record<string, string | undefined>): Promise<Ran> {
  return runCli(dir, ['drift', ...args], env ?? { AWS_ENDPOINT_URL_CODESTAR: codestar.url });
}

async function deploy(dir: string, args: readonly string[] = []): Promise<void> {
  const ran = await runCli(dir, ['deploy', '--poll-interval', '1', ...args], { AWS_ENDPOINT_URL_CODESTAR: codestar.url });
  expect([ran.code, ran.stderr]).toEqual([0, '']);
}

/** The logical ids the deployment gave the app's CodeStar resources, by type, from the runner's state. */
function logicalIds(dir: string, stackName = 'E2E'): { project: string; member: string; profile: string } {
  const state = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf-8'));
  const ids = Object.entries(state.stacks[stackName].resources as Record<string, { type: string }>);
  const of = (type: string) => ids.filter(([, r]) => r.type === type).map(([id]) => id);
  const [[project], [member], [profile]] = ['Custom::CodeStarProject', 'Custom::CodeStarTeamMember', 'Custom::CodeStarUserProfile'].map(of);
  return { project, member, profile };
}

/** No name, e-mail, SSH key, description, user name or user ARN on either stream. */
function expectNoPersonalData(ran: Ran): void {
  const output = ran.stdout + ran.stderr;
  for (const value of [...Object.values(PERSONAL), USER, userArn(USER), ':user/']) {
    expect(output).not.toContain(value);
  }
}

/** The human line of one resource. */
function lineOf(ran: Ran, logicalId: string): string {
  const lines = ran.stdout.split('\n').filter(line => line.includes(` ${logicalId} `));
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('one deployment, changed outside the stack step by step', () => {
  let dir: string;
  let ids: ReturnType<typeof logicalIds>;

  beforeAll(async () => {
    codestar.reset();
    dir = tempDir('cdk-codestar-drift-');
    synthesize(path.join(dir, 'cdk.out'), app);
    await deploy(dir);
    ids = logicalIds(dir);
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    codestar.clearCalls();
  });
  afterEach(() => {
    // Drift only reads, whatever it finds.
    expect(codestar.mutatingCalls()).toEqual([]);
  });

  test('right after the deploy, everything is in sync: exit 0, one line per resource and a summary', async () => {
    const ran = await drift(dir);

    expect([ran.code, ran.stderr]).toEqual([0, '']);
    expect(ran.stdout).toBe([
      `E2E | ${ids.project} (Custom::CodeStarProject) IN_SYNC`,
      `E2E | ${ids.member} (Custom::CodeStarTeamMember) IN_SYNC`,
      `E2E | ${ids.profile} (Custom::CodeStarUserProfile) IN_SYNC`,
      '3 CodeStar resources in 1 stack: 3 in sync',
      '',
    ].join('\n'));
    expectNoPersonalData(ran);
    expect(codestar.calls().map(c => c.operation).sort()).toEqual(
      ['DescribeProject', 'DescribeUserProfile', 'ListTagsForProject', 'ListTeamMembers']);
  });

  test('--json, in sync: the document alone on stdout', async () => {
    const ran = await drift(dir, ['cdk.out', '--json']);

    expect([ran.code, ran.stderr]).toEqual([0, '']);
    expect(JSON.parse(ran.stdout)).toEqual({
      inSync: true,
      summary: { resources: 3, inSync: 3, drifted: 0, missing: 0, notChecked: 0 },
      stacks: [{
        stackName: 'E2E',
        resources: [
          { logicalId: ids.project, type: 'Custom::CodeStarProject', status: 'IN_SYNC', differences: [] },
          { logicalId: ids.member, type: 'Custom::CodeStarTeamMember', status: 'IN_SYNC', differences: [] },
          { logicalId: ids.profile, type: 'Custom::CodeStarUserProfile', status: 'IN_SYNC', differences: [] },
        ],
      }],
    });
  });

  test('changed outside: role and remote access with their values, tags by key, sensitive fields only named', async () => {
    await client.send(new UpdateTeamMemberCommand({ projectId: PROJECT_ID, userArn: userArn(USER), projectRole: 'Viewer', remoteAccessAllowed: false }));
    await client.send(new TagProjectCommand({ id: PROJECT_ID, tags: { owner: 'platform', env: 'dev' } }));
    await client.send(new UntagProjectCommand({ id: PROJECT_ID, tags: ['cost'] }));
    await client.send(new UpdateProjectCommand({ id: PROJECT_ID, name: PERSONAL.newName, description: PERSONAL.newDescription }));
    await client.send(new UpdateUserProfileCommand({
      userArn: userArn(USER), emailAddress: PERSONAL.newEmailAddress, sshPublicKey: PERSONAL.newSshPublicKey,
    }));
    codestar.clearCalls();

    const ran = await drift(dir);

    expect([ran.code, ran.stderr]).toEqual([1, '']);
    expect(lineOf(ran, ids.project)).toBe(`E2E | ${ids.project} (Custom::CodeStarProject) DRIFTED: name differs (value not shown); `
      + 'description differs (value not shown); tags: "owner" added (actual "platform"), "cost" removed (expected "c-1"), '
      + '"env" changed (expected "prod", actual "dev")');
    expect(lineOf(ran, ids.member)).toBe(`E2E | ${ids.member} (Custom::CodeStarTeamMember) DRIFTED: `
      + 'projectRole: expected Contributor, actual Viewer; remoteAccessAllowed: expected true, actual false');
    expect(lineOf(ran, ids.profile)).toBe(`E2E | ${ids.profile} (Custom::CodeStarUserProfile) DRIFTED: `
      + 'emailAddress differs (value not shown); sshPublicKey differs (value not shown)');
    expect(ran.stdout).toMatch(/\n3 CodeStar resources in 1 stack: 3 drifted\n$/);
    expectNoPersonalData(ran);

    const json = await drift(dir, ['--json']);
    expect([json.code, json.stderr]).toEqual([1, '']);
    expectNoPersonalData(json);
    expect(JSON.parse(json.stdout)).toEqual({
      inSync: false,
      summary: { resources: 3, inSync: 0, drifted: 3, missing: 0, notChecked: 0 },
      stacks: [{
        stackName: 'E2E',
        resources: [
          {
            logicalId: ids.project,
            type: 'Custom::CodeStarProject',
            status: 'DRIFTED',
            differences: [
              { field: 'name', sensitive: true },
              { field: 'description', sensitive: true },
              {
                field: 'tags',
                sensitive: false,
                added: { owner: 'platform' },
                removed: { cost: 'c-1' },
                changed: { env: { expected: 'prod', actual: 'dev' } },
              },
            ],
          },
          {
            logicalId: ids.member,
            type: 'Custom::CodeStarTeamMember',
            status: 'DRIFTED',
            differences: [
              { field: 'projectRole', sensitive: false, expected: 'Contributor', actual: 'Viewer' },
              { field: 'remoteAccessAllowed', sensitive: false, expected: true, actual: false },
            ],
          },
          {
            logicalId: ids.profile,
            type: 'Custom::CodeStarUserProfile',
            status: 'DRIFTED',
            differences: [{ field: 'emailAddress', sensitive: true }, { field: 'sshPublicKey', sensitive: true }],
          },
        ],
      }],
    });
  });

  test('a member removed and a profile deleted outside are MISSING', async () => {
    await client.send(new DisassociateTeamMemberCommand({ projectId: PROJECT_ID, userArn: userArn(USER) }));
    await client.send(new DeleteUserProfileCommand({ userArn: userArn(USER) }));
    codestar.clearCalls();

    const ran = await drift(dir, ['--stack', 'E2E']);

    expect([ran.code, ran.stderr]).toEqual([1, '']);
    expect(lineOf(ran, ids.member)).toBe(`E2E | ${ids.member} (Custom::CodeStarTeamMember) MISSING: the user is no longer a team member of project ${PROJECT_ID}`);
    expect(lineOf(ran, ids.profile)).toBe(`E2E | ${ids.profile} (Custom::CodeStarUserProfile) MISSING: the user has no profile`);
    expect(ran.stdout).toMatch(/\n3 CodeStar resources in 1 stack: 1 drifted, 2 missing\n$/);
    expectNoPersonalData(ran);

    const json = JSON.parse((await drift(dir, ['--json'])).stdout);
    expect(json.summary).toEqual({ resources: 3, inSync: 0, drifted: 1, missing: 2, notChecked: 0 });
    expect(json.stacks[0].resources[2]).toEqual({
      logicalId: ids.profile, type: 'Custom::CodeStarUserProfile', status: 'MISSING', differences: [], reason: 'the user has no profile',
    });
  });

  test('a project deleted outside is MISSING', async () => {
    await client.send(new DeleteProjectCommand({ id: PROJECT_ID }));
    codestar.clearCalls();

    const ran = await drift(dir);

    expect([ran.code, ran.stderr]).toEqual([1, '']);
    // The first DescribeProject after DeleteProject may still see it, in DeleteInProgress.
    expect(lineOf(ran, ids.project)).toMatch(new RegExp(`^E2E \\| ${ids.project} \\(Custom::CodeStarProject\\) MISSING: project ${PROJECT_ID} (is being deleted|does not exist)$`));
    // Its team went with it (or, after the test before, had lost the member already).
    expect(lineOf(ran, ids.member)).toContain('(Custom::CodeStarTeamMember) MISSING: ');
    expectNoPersonalData(ran);
  });
});

describe('each test its own directory', () => {
  let dir: string;

  beforeEach(() => {
    codestar.reset();
    dir = tempDir('cdk-codestar-drift-');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a physical id this library never made is NOT_CHECKED, with a reason, and fails nothing', async () => {
    synthesize(path.join(dir, 'cdk.out'), { projects: [{ projectId: 'other-app', name: 'Other', members: [{ user: 'erin', role: ProjectRole.VIEWER }] }] });
    await deploy(dir);
    const { member } = logicalIds(dir);
    const file = path.join(dir, STATE_FILE);
    const state = JSON.parse(fs.readFileSync(file, 'utf-8'));
    state.stacks.E2E.resources[member].physicalResourceId = 'E2E-TeamMember-1A2B3C4D';
    fs.writeFileSync(file, JSON.stringify(state));

    const ran = await drift(dir);

    expect([ran.code, ran.stderr]).toEqual([0, '']);
    expect(lineOf(ran, member)).toBe(`E2E | ${member} (Custom::CodeStarTeamMember) NOT_CHECKED: its physical id is no team membership of this library`);
    expect(ran.stdout).toMatch(/\n2 CodeStar resources in 1 stack: 1 in sync, 1 not checked\n$/);
  });

  test('a stack of the assembly that was never deployed: exit 1, one line; --stack checks only the deployed one', async () => {
    const assembly = new App({ outdir: path.join(dir, 'cdk.out'), analyticsReporting: false });
    buildApp(new Stack(assembly, 'Deployed'), { projects: [{ projectId: 'deployed-app', name: 'Deployed' }] });
    buildApp(new Stack(assembly, 'NotYet'), { projects: [{ projectId: 'later-app', name: 'Later' }] });
    assembly.synth();

    const nothing = await drift(dir);
    expect([nothing.code, nothing.stdout]).toEqual([1, '']);
    expect(nothing.stderr).toBe('cdk-codestar drift: stacks Deployed, NotYet of cdk.out were never deployed from this directory '
      + `(${STATE_FILE} has no record): run \`cdk-codestar deploy\` first, or name the deployed stacks with --stack\n`);

    await deploy(dir, ['--stack', 'Deployed']);
    const one = await drift(dir);
    expect([one.code, one.stdout]).toEqual([1, '']);
    expect(one.stderr).toMatch(/^cdk-codestar drift: stack NotYet of cdk.out was never deployed from this directory .*\n$/);

    const selected = await drift(dir, ['--stack', 'Deployed']);
    expect([selected.code, selected.stderr]).toEqual([0, '']);
    expect(selected.stdout).toMatch(/^Deployed \| Project\w+ \(Custom::CodeStarProject\) IN_SYNC\n1 CodeStar resource in 1 stack: 1 in sync\n$/);
  });

  test.each([
    ['no assembly', [], { AWS_ENDPOINT_URL_CODESTAR: 'http://127.0.0.1:1' }, /^cdk-codestar drift: cdk.out is not a cloud assembly \(no manifest.json\)/],
    ['a stack the assembly lacks', ['--stack', 'Nope'], undefined, /^cdk-codestar drift: cdk.out has no stack Nope \(stacks: E2E\)/],
    ['no endpoint', [], { AWS_ENDPOINT_URL_CODESTAR: undefined }, /^cdk-codestar drift: AWS_ENDPOINT_URL_CODESTAR is not set/],
    ['an endpoint nobody listens on', [], { AWS_ENDPOINT_URL_CODESTAR: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' },
      /^cdk-codestar drift: E2E Project\w+: reading CodeStar failed: .*ECONNREFUSED/],
  ])('%s: exits 1 with one line', async (_case, args, env, message) => {
    if (_case !== 'no assembly') {
      synthesize(path.join(dir, 'cdk.out'), app);
      await deploy(dir);
    }

    const ran = await drift(dir, args, env);

    expect([ran.code, ran.stdout]).toEqual([1, '']);
    expect(ran.stderr).toMatch(message);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
    expectNoPersonalData(ran);
  });

  test.each([
    [['--stakc', 'x'], /^cdk-codestar drift: Unknown option '--stakc'.*\(see cdk-codestar drift --help\)\n$/],
    [['a', 'b'], /^cdk-codestar drift: one assembly directory at most, got 2: a b \(see cdk-codestar drift --help\)\n$/],
    [['--json=yes'], /^cdk-codestar drift: Option '--json' does not take an argument/],
  ])('a wrong command line %j exits 2 with one line', async (args, message) => {
    const ran = await drift(dir, args);

    expect([ran.code, ran.stdout]).toEqual([2, '']);
    expect(ran.stderr).toMatch(message);
  });

  test.each([['--help'], ['-h']])('%s prints the usage and exits 0', async flag => {
    const ran = await drift(dir, [flag]);

    expect(ran).toEqual({ code: 0, stdout: `${DRIFT_USAGE}\n`, stderr: '' });
  });
});

describe('the pure parts', () => {
  test.each([
    [{ a: '1' }, { a: '1' }, []],
    [{}, {}, []],
    [{ a: '1' }, {}, [{ field: 'tags', sensitive: false, added: {}, removed: { a: '1' }, changed: {} }]],
    [{}, { a: '' }, [{ field: 'tags', sensitive: false, added: { a: '' }, removed: {}, changed: {} }]],
    [{ a: '1', b: '2' }, { a: '2', b: '2' }, [{ field: 'tags', sensitive: false, added: {}, removed: {}, changed: { a: { expected: '1', actual: '2' } } }]],
  ])('compareTags(%j, %j)', (expected, actual, differences) => {
    expect(compareTags(expected, actual)).toEqual(differences);
  });

  test('sensitive: the model says so for names, descriptions, display names and e-mail; the SSH key is personal data', () => {
    expect(['ProjectName', 'ProjectDescription', 'UserProfileDisplayName', 'Email', 'SshPublicKey'].every(s => isSensitive(s as any))).toBe(true);
    expect(['Role', 'TagKey', 'TagValue', 'ProjectId'].some(s => isSensitive(s as any))).toBe(false);
  });
});
