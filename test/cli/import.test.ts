import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { prepareAppDir, Ran, ROOT, runCli, spawned } from './helpers';
import { generateApp, literal, ReadAccount } from '../../src/cli/generate-app';
import { IMPORT_USAGE } from '../../src/cli/import';
import { PlannedResource, StackPlan } from '../../src/cli/plan';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';
import { tempDir, userArn } from '../local/helpers';

/*
 * `cdk-codestar import`, run as a user runs it, against the local endpoint: the file it writes, that
 * file type-checked and linted, synthesized by the real cdk CLI, deployed and destroyed by
 * `cdk-codestar deploy` / `destroy`, and the account compared before and after.
 */

jest.setTimeout(120_000);

/** Two items a page, so that every List the import makes crosses pages. */
const PAGE_SIZE = 2;

let dir: string;
let codestar: LocalCodeStar;

beforeAll(async () => {
  codestar = await startLocalCodeStar({ pageSize: PAGE_SIZE, resourcesPerProject: 5 });
});
afterAll(async () => {
  await codestar.close();
});
beforeEach(() => {
  codestar.reset();
  dir = tempDir('cdk-codestar-import-');
  prepareAppDir(dir);
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function cli(args: readonly string[], env: Record<string, string | undefined> = { AWS_ENDPOINT_URL_CODESTAR: codestar.url }): Promise<Ran> {
  return runCli(dir, args, env);
}

const ALICE = userArn('alice');
const BOB = 'arn:aws:iam::123456789012:user/engineering/bob';
const CAROL = userArn('carol');
const DAVE = userArn('dave');
const ERIN = userArn('erin');
/** A name that quotes, escapes and would end a block comment: it must arrive intact. */
const TRICKY_NAME = 'Bob\'s "app" \\ */ end';

/**
 * The account: three adoptable projects (the endpoint's caller their creator and Owner), one whose
 * creation failed, members and profiles, everything more than a page of the endpoint.
 */
function seedAccount(): void {
  const state = codestar.state;
  state.seedProject({ id: 'web', name: 'Web', description: 'The web shop', tags: { team: 'blue', cost: '42', env: 'prod' } });
  state.seedProject({ id: 'api', name: TRICKY_NAME });
  state.seedProject({ id: 'batch', name: 'Batch jobs', owner: null });
  state.seedProject({ id: 'broken', name: 'Broken', state: 'CreateFailed', reason: 'the toolchain failed' });
  state.seedTeamMember('web', { userArn: ALICE, projectRole: 'Contributor', remoteAccessAllowed: true });
  state.seedTeamMember('web', { userArn: BOB, projectRole: 'Viewer' });
  state.seedTeamMember('web', { userArn: CAROL, projectRole: 'Owner' });
  state.seedTeamMember('api', { userArn: ALICE, projectRole: 'Owner' });
  state.seedTeamMember('batch', { userArn: DAVE, projectRole: 'Viewer' });
  state.seedTeamMember('broken', { userArn: ERIN, projectRole: 'Viewer' });
  state.seedUserProfile({ userArn: ALICE, displayName: 'Alice Example', emailAddress: 'alice@example.org', sshPublicKey: 'ssh-ed25519 AAAAC3Nza alice@laptop' });
  state.seedUserProfile({ userArn: BOB, displayName: 'Bob Example', emailAddress: 'bob@example.org' });
  state.seedUserProfile({ userArn: DAVE, displayName: 'Dave Example', emailAddress: 'dave@example.org' });
  // Erin's only project is not imported; without --project every profile of the account is.
  state.seedUserProfile({ userArn: ERIN, displayName: 'Erin Example', emailAddress: 'erin@example.org' });
}

/** What the account holds, in full (timestamps included): destroy must leave exactly this. */
function accountSnapshot() {
  const projects = codestar.state.projects();
  return {
    projects,
    teams: Object.fromEntries(projects.map(p => [p.id, codestar.state.teamMembers(p.id)])),
    profiles: codestar.state.userProfiles(),
  };
}

const PERSONAL_DATA = /alice|bob|carol|dave|erin|Example|example\.org|ssh-|arn:aws:iam/;

/** A process in `dir`, its output and exit code. */
function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  return spawned(command, args, dir, { ...process.env, ...env });
}

/**
 * `cdk synth` with the real CLI and the app command the file's header gives (ts-node, here by its
 * path: npx would look for it on the registry). Transpile only: the tsc test type-checks the files.
 */
async function cdkSynth(file: string): Promise<void> {
  const tsNode = require.resolve('ts-node/dist/bin.js');
  const ran = await run(path.join(ROOT, 'node_modules', '.bin', 'cdk'), [
    'synth', '--quiet', '--no-notices', '--no-version-reporting', '--app', `"${process.execPath}" "${tsNode}" ${file}`, '-o', 'cdk.out',
  ], { TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(dir, 'tsconfig.json'), AWS_EC2_METADATA_DISABLED: 'true' });
  expect([ran.code, ran.stderr]).toEqual([0, expect.any(String)]);
}

/** Deploys cdk.out (no CodeStar call may change anything), destroys it, and compares the account with `before`. */
async function deployAndDestroy(before: ReturnType<typeof accountSnapshot>): Promise<void> {
  // The plan: every resource adopted, and no CodeStar call at all.
  const planned = await plan();
  expect(new Set(planned.map(r => r.action))).toEqual(new Set(['adopt']));
  expect(planned.flatMap(r => r.calls)).toEqual([]);

  codestar.clearCalls();
  const deployed = await cli(['deploy', '--poll-interval', '1']);
  expect([deployed.code, deployed.stderr]).toEqual([0, '']);
  expect(deployed.stdout).toMatch(/CodeStarAccount: CREATE_COMPLETE/);
  expect(codestar.mutatingCalls()).toEqual([]);
  expect(accountSnapshot()).toEqual(before);
  // Deployed, the plan is no change at all.
  expect(new Set((await plan()).map(r => r.action))).toEqual(new Set(['no-change']));

  codestar.clearCalls();
  const destroyed = await cli(['destroy', '--poll-interval', '1']);
  expect([destroyed.code, destroyed.stderr]).toEqual([0, '']);
  expect(destroyed.stdout).toMatch(/CodeStarAccount: DELETE_COMPLETE/);
  // Only the adopted memberships' restores, each to exactly the settings the membership had.
  const restored = codestar.mutatingCalls().map(c => [c.operation, c.input]);
  const members = Object.entries(before.teams)
    .filter(([id]) => id !== 'broken')
    .flatMap(([projectId, team]) => team.map(m => ['UpdateTeamMember', { projectId, userArn: m.userArn, projectRole: m.projectRole, remoteAccessAllowed: m.remoteAccessAllowed }]));
  expect(restored).toHaveLength(members.length);
  expect(restored).toEqual(expect.arrayContaining(members));
  expect(accountSnapshot()).toEqual(before);
}

/** `cdk-codestar plan --json` of cdk.out: its one stack's resources. */
async function plan(): Promise<PlannedResource[]> {
  const ran = await cli(['plan', '--json']);
  expect([ran.code, ran.stderr]).toEqual([0, '']);
  const { stacks } = JSON.parse(ran.stdout) as { stacks: StackPlan[] };
  expect(stacks.map(s => s.stackName)).toEqual(['CodeStarAccount']);
  return [...stacks[0].resources];
}

const read = (file = 'codestar-app.ts') => fs.readFileSync(path.join(dir, file), 'utf-8');
/** The file's permission bits, in octal. */
const modeOf = (file: string) => fs.statSync(path.join(dir, file)).mode.toString(8).slice(-3);

describe('the command line', () => {
  test.each([
    [['import', '--prject', 'web'], /^cdk-codestar import: Unknown option '--prject'.*\(see cdk-codestar import --help\)\n$/],
    [['import', 'web'], /^cdk-codestar import: Unexpected argument 'web'/],
    [['import', '--project', 'Web_1'], /^cdk-codestar import: --project must be a CodeStar project id .*, got Web_1/],
    [['import', '--stack-name', '1st'], /^cdk-codestar import: --stack-name must be a CloudFormation stack name .*, got 1st/],
    [['import', '--out'], /^cdk-codestar import: Option '--out <value>' argument missing/],
  ])('%j exits 2 with one line', async (args, message) => {
    const ran = await cli(args);

    expect([ran.code, ran.stdout]).toEqual([2, '']);
    expect(ran.stderr).toMatch(message);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
  });

  test.each([['--help'], ['-h']])('import %s prints the usage and exits 0', async flag => {
    const ran = await cli(['import', flag]);

    expect(ran).toEqual({ code: 0, stdout: `${IMPORT_USAGE}\n`, stderr: '' });
    expect(IMPORT_USAGE).toMatch(/--project <id>.*--out <file>.*--stack-name <name>.*--team-only.*--force.*--json/s);
  });

  test('an unknown --project exits 1 naming each unknown id, and writes nothing', async () => {
    seedAccount();

    const ran = await cli(['import', '--project', 'web', '--project', 'nope', '--project', 'gone']);

    expect([ran.code, ran.stdout]).toEqual([1, '']);
    expect(ran.stderr).toBe('cdk-codestar import: no CodeStar project gone, nope in this account and region\n');
    expect(fs.existsSync(path.join(dir, 'codestar-app.ts'))).toBe(false);
  });

  test('an existing file is kept unless --force', async () => {
    seedAccount();
    fs.writeFileSync(path.join(dir, 'mine.ts'), 'keep me');

    const refused = await cli(['import', '--out', 'mine.ts']);
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([1, '', 'cdk-codestar import: mine.ts exists: give --force to overwrite it, or another --out\n']);
    expect(fs.readFileSync(path.join(dir, 'mine.ts'), 'utf-8')).toBe('keep me');

    fs.chmodSync(path.join(dir, 'mine.ts'), 0o644);
    const forced = await cli(['import', '--out', 'mine.ts', '--force']);
    expect(forced.code).toBe(0);
    expect(read('mine.ts')).toContain('export class CodeStarAccountStack');
    expect(modeOf('mine.ts')).toBe('600');
  });

  test('an account without projects exits 1: nothing to import', async () => {
    const ran = await cli(['import']);

    expect([ran.code, ran.stderr]).toEqual([1, 'cdk-codestar import: the account has no CodeStar project in this region: there is nothing to import\n']);
  });
});

describe('the file', () => {
  test('declares every project, tag, member and profile as read, privately, and says what it leaves out', async () => {
    seedAccount();
    codestar.clearCalls();

    const ran = await cli(['import']);

    expect(ran.code).toBe(0);
    expect(codestar.mutatingCalls()).toEqual([]);
    expect(ran.stdout).toBe('3 projects, 7 members, 4 profiles written to codestar-app.ts (stack CodeStarAccount, account 123456789012, us-east-1).\n'
      + 'Left out: 1 project not in a state to adopt (listed in the file\'s header).\n');
    expect(ran.stdout).not.toMatch(PERSONAL_DATA);
    expect(ran.stderr).toMatch(/^warning: codestar-app\.ts holds personal data \(IAM user ARNs, display names, e-mail addresses, SSH public keys\): keep it out of public places/);
    expect(modeOf('codestar-app.ts')).toBe('600');
    const file = read();

    // The environment from the project ARNs; the App only when run as the main module.
    expect(file).toContain('export const CODESTAR_ENVIRONMENT = { account: \'123456789012\', region: \'us-east-1\' };');
    expect(file).toContain('super(scope, id, { ...props, env: CODESTAR_ENVIRONMENT });');
    expect(file).toMatch(/if \(require\.main === module\) \{\n {2}const app = new App\(\);\n {2}new CodeStarAccountStack\(app, 'CodeStarAccount'\);/);
    // Projects adopted, with their tags, in id order; the tricky name intact.
    expect(file).toContain([
      '    const projectWeb = new CodeStarProject(this, \'Project-web\', {',
      '      projectId: \'web\',',
      '      projectName: \'Web\',',
      '      description: \'The web shop\',',
      '      adopt: true,',
      '    });',
      '    Tags.of(projectWeb).add(\'cost\', \'42\');',
      '    Tags.of(projectWeb).add(\'env\', \'prod\');',
      '    Tags.of(projectWeb).add(\'team\', \'blue\');',
    ].join('\n'));
    expect(file).toContain(`projectName: ${literal(TRICKY_NAME)},`);
    expect(file.indexOf('Project-api')).toBeLessThan(file.indexOf('Project-batch'));
    expect(file.indexOf('Project-batch')).toBeLessThan(file.indexOf('Project-web'));
    expect(file).not.toMatch(/Project-broken|Member-erin/);
    // Users by ARN, once each, shared by memberships and profiles.
    expect(file).toContain(`const userAlice = iam.User.fromUserArn(this, 'User-alice', '${ALICE}');`);
    expect(file).toContain(`const userBob = iam.User.fromUserArn(this, 'User-bob', '${BOB}');`);
    expect(file.match(/iam\.User\.fromUserArn/g)).toHaveLength(6);
    // Members with their role and remote access; the creator (the endpoint's caller) like any other.
    expect(file).toContain([
      '    projectWeb.addTeamMember(\'Member-alice\', {',
      '      user: userAlice,',
      '      role: ProjectRole.CONTRIBUTOR,',
      '      remoteAccessAllowed: true,',
      '    });',
      '    projectWeb.addTeamMember(\'Member-bob\', {',
      '      user: userBob,',
      '      role: ProjectRole.VIEWER,',
      '      remoteAccessAllowed: false,',
    ].join('\n'));
    expect(file).toContain('projectApi.addTeamMember(\'Member-local-admin\', {\n      user: userLocalAdmin,\n      role: ProjectRole.OWNER,');
    expect(file).not.toContain('projectBatch.addTeamMember(\'Member-local-admin\'');
    expect(file.match(/\.addTeamMember\(/g)).toHaveLength(7);
    // Every profile of the account, adopted.
    expect(file).toContain([
      '    new UserProfile(this, \'Profile-alice\', {',
      '      user: userAlice,',
      '      displayName: \'Alice Example\',',
      '      emailAddress: \'alice@example.org\',',
      '      sshPublicKey: \'ssh-ed25519 AAAAC3Nza alice@laptop\',',
      '      adopt: true,',
      '    });',
    ].join('\n'));
    expect(file).toContain('new UserProfile(this, \'Profile-erin\', {\n      user: userErin,\n      displayName: \'Erin Example\',\n      emailAddress: \'erin@example.org\',\n      adopt: true,');
    expect(file.match(/new UserProfile\(/g)).toHaveLength(4);
    // The header: personal data, what is left out, how the creator's membership is treated.
    const header = file.slice(0, file.indexOf('\nimport '));
    expect(header.split('\n').every(line => line === '' || line.startsWith('//'))).toBe(true);
    expect(header).toMatch(/PERSONAL DATA: this file holds IAM user ARNs, display names, e-mail addresses and SSH public keys/);
    expect(header).toContain('- project \'web\': 5 resources in stack \'arn:aws:cloudformation:us-east-1:123456789012:stack/awscodestar-web/');
    expect(header).toContain('    - \'arn:aws:codecommit:us-east-1:123456789012:web\'');
    expect(header.match(/^\/\/ {5}- 'arn:/gm)).toHaveLength(15);
    expect(header).toMatch(/The creator's implicit membership: CodeStar made whoever created a project its Owner/);
    expect(header).toMatch(/restores the role and remote access the membership had/);
    expect(header).toContain('- project \'broken\': its state is CreateFailed');

    // The same account gives the same file.
    const again = await cli(['import', '--force']);
    expect(again.code).toBe(0);
    expect(read()).toBe(file);
  });

  test('--project: those projects, and the profiles of their users only; --json: a summary without personal data', async () => {
    seedAccount();

    const ran = await cli(['import', '--project', 'web', '--project', 'batch', '--json', '--out', 'two.ts']);

    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({
      file: 'two.ts',
      stackName: 'CodeStarAccount',
      stackClass: 'CodeStarAccountStack',
      account: '123456789012',
      region: 'us-east-1',
      teamOnly: false,
      projects: ['batch', 'web'],
      members: 5,
      profiles: 3,
      users: 5,
      leftOut: { members: 0, projects: [] },
    });
    expect(ran.stdout).not.toMatch(PERSONAL_DATA);
    expect(ran.stderr).toMatch(/^warning: two\.ts holds personal data/);
    const file = read('two.ts');
    expect(file).not.toMatch(/Project-api|Profile-erin|Profile-carol|User-erin/);
    expect(file.match(/new UserProfile\(this, '(Profile-[a-z]+)'/g)).toEqual([
      'new UserProfile(this, \'Profile-alice\'', 'new UserProfile(this, \'Profile-bob\'', 'new UserProfile(this, \'Profile-dave\'',
    ]);
  });

  test('--team-only: the projects by id, their members, no profile; --stack-name', async () => {
    seedAccount();

    const ran = await cli(['import', '--team-only', '--stack-name', 'Teams']);

    expect(ran.stdout).toMatch(/^3 projects, 7 members, 0 profiles written to codestar-app\.ts \(stack Teams,/);
    expect(ran.stderr).toMatch(/^warning: codestar-app\.ts holds personal data \(IAM user ARNs\)/);
    const file = read();
    expect(file).toContain('const projectWeb = CodeStarProject.fromProjectId(this, \'Project-web\', \'web\');');
    expect(file).toContain('projectWeb.addTeamMember(\'Member-carol\', {\n      user: userCarol,\n      role: ProjectRole.OWNER,\n      remoteAccessAllowed: false,');
    expect(file).not.toMatch(/new CodeStarProject|UserProfile|Tags|displayName/);
    expect(file).toContain('new CodeStarAccountStack(app, \'Teams\');');
  });

  test('ids, variables and literals stay valid and unique, and undeclarable members are listed, not declared', () => {
    const app = generateApp(trickyAccount(), { stackName: 'Tricky', teamOnly: false, fileName: 'tricky.ts' });

    expect(app.leftOutMembers).toBe(1);
    expect(app.source).toContain('//   - project \'my-app2\': \'arn:aws:sts::123456789012:assumed-role/Admin/session\' (\'Owner\')');
    expect(app.source.split('\n').filter(line => line.includes('assumed-role'))).toHaveLength(1);
    expect(app.source).toMatch(/const projectMyApp2_1 = new CodeStarProject\(this, 'Project-my-app-2'/);
    expect(app.source).toMatch(/const projectMyApp2_2 = new CodeStarProject\(this, 'Project-my-app2'/);
    const users = [...app.source.matchAll(/const (\w+) = iam\.User\.fromUserArn\(this, '([^']+)'/g)].map(m => [m[1], m[2]]);
    expect(users).toHaveLength(3);
    expect(new Set(users.map(u => u[0])).size).toBe(3);
    expect(new Set(users.map(u => u[1])).size).toBe(3);

    for (const value of [TRICKY_NAME, 'line\nbreak', 'sep\u2028ara\u2029tors', 'tab\tand \u0000', '\'', '"', '\\', '\\\'', '\\"', 'emoji 🚀 é']) {
      expect(literal(value)).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(vm.runInNewContext(literal(value))).toBe(value);
    }
  });

  test('type-checks under strict TypeScript and passes the project\'s eslint (the full, --team-only and a tricky app)', async () => {
    seedAccount();
    expect((await cli(['import'])).code).toBe(0);
    expect((await cli(['import', '--team-only', '--out', 'teams.ts'])).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'tricky.ts'), generateApp(trickyAccount(), { stackName: 'Tricky', teamOnly: false, fileName: 'tricky.ts' }).source);
    const files = ['codestar-app.ts', 'teams.ts', 'tricky.ts'];

    const tsc = await run(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
    expect([tsc.code, tsc.stdout]).toEqual([0, '']);

    const eslintArgs = ['--no-eslintrc', '-c', path.join(ROOT, '.eslintrc.json'), '--resolve-plugins-relative-to', ROOT, '--max-warnings', '0'];
    const eslint = path.join(ROOT, 'node_modules', '.bin', 'eslint');
    // The control: the same set-up does find a violation.
    fs.writeFileSync(path.join(dir, 'control.ts'), 'export const x = "double";\n');
    const [lint, control] = await Promise.all([
      run(eslint, [...eslintArgs, ...files], { ESLINT_USE_FLAT_CONFIG: 'false' }),
      run(eslint, [...eslintArgs, 'control.ts'], { ESLINT_USE_FLAT_CONFIG: 'false' }),
    ]);
    expect([lint.code, lint.stdout]).toEqual([0, '']);
    expect([control.code, control.stdout]).toEqual([1, expect.stringContaining('@stylistic/quotes')]);
  });
});

describe('deploying the file', () => {
  test('the real cdk CLI synthesizes it; deploy changes nothing; destroy leaves the account as it was', async () => {
    seedAccount();
    const before = accountSnapshot();
    expect((await cli(['import'])).code).toBe(0);

    await cdkSynth('codestar-app.ts');
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'CodeStarAccount.template.json'), 'utf-8'));
    const types = Object.values<{ Type: string; DeletionPolicy?: string }>(template.Resources);
    expect(types.filter(r => r.Type === 'Custom::CodeStarProject').map(r => r.DeletionPolicy)).toEqual(['Retain', 'Retain', 'Retain']);
    expect(types.filter(r => r.Type === 'Custom::CodeStarUserProfile').map(r => r.DeletionPolicy)).toEqual(['Retain', 'Retain', 'Retain', 'Retain']);
    expect(types.filter(r => r.Type === 'Custom::CodeStarTeamMember')).toHaveLength(7);

    await deployAndDestroy(before);
  });

  test('--team-only: likewise', async () => {
    seedAccount();
    const before = accountSnapshot();
    expect((await cli(['import', '--team-only'])).code).toBe(0);

    await cdkSynth('codestar-app.ts');
    const template = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'CodeStarAccount.template.json'), 'utf-8'));
    const types = Object.values<{ Type: string }>(template.Resources).map(r => r.Type).filter(t => t.startsWith('Custom::CodeStar'));
    expect(types).toEqual(Array(7).fill('Custom::CodeStarTeamMember'));

    await deployAndDestroy(before);
  });
});

/** Colliding names: project ids that give the same variable, a user name in two accounts, a member no construct can declare. */
function trickyAccount(): ReadAccount {
  const project = (id: string) => ({ id, arn: `arn:aws:codestar:eu-west-1:111122223333:project/${id}`, name: TRICKY_NAME, tags: { 'a:b/c': '' } });
  return {
    account: '111122223333',
    region: 'eu-west-1',
    projects: [
      {
        project: project('my-app2'),
        members: [
          { userArn: 'arn:aws:iam::111122223333:user/dev.ops+1@x', projectRole: 'Owner', remoteAccessAllowed: true },
          { userArn: 'arn:aws:sts::123456789012:assumed-role/Admin/session', projectRole: 'Owner', remoteAccessAllowed: false },
        ],
        resources: ['arn:aws:s3:::bucket/*/x'],
      },
      {
        project: project('my-app-2'),
        members: [
          { userArn: 'arn:aws:iam::111122223333:user/sam', projectRole: 'Viewer', remoteAccessAllowed: false },
          { userArn: 'arn:aws:iam::444455556666:user/sam', projectRole: 'Contributor', remoteAccessAllowed: false },
        ],
        resources: [],
      },
    ],
    profiles: [{ userArn: 'arn:aws:iam::111122223333:user/dev.ops+1@x', displayName: TRICKY_NAME, emailAddress: 'a.b+c@example.org', sshPublicKey: 'ssh-rsa A\\B' }],
    skippedProjects: [],
  };
}
