/**
 * The demo's second story: an account whose CodeStar projects, members and profiles were made
 * long ago, outside CDK, brought under CDK with the `cdk-codestar` command line, as a user would:
 *
 *   1. the account, described in a file and served by the local endpoint (`cdk-codestar local --state`);
 *   2. `cdk-codestar import` writes a CDK app that declares it; `cdk synth` (the real CLI) synthesizes it;
 *   3. `cdk-codestar plan` says no CodeStar call will change anything, and `deploy` changes nothing;
 *   4. a role changed in the generated code is planned, then deployed, as one UpdateTeamMember;
 *   5. a member changed outside CDK shows in `cdk-codestar drift`;
 *   6. `cdk-codestar destroy` leaves the account as it was at the start (adopted memberships are
 *      restored, adopted projects and profiles retained), which the endpoint's own answers show.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeStarClient, UpdateTeamMemberCommand } from '@aws-sdk/client-codestar';
import { prepareAppDir, spawned } from './app-dir';
import { LocalCodeStar, startLocalCodeStar } from '../src/local/endpoint';
import { canonicalJson } from '../src/private/canonical-json';

const ROOT = path.resolve(__dirname, '..');
const ACCOUNT = '123456789012';
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

/** The account as the team has had it for years: two projects, four people, their profiles. */
const ACCOUNT_FILE = {
  version: 1,
  projects: [
    {
      id: 'billing-api',
      name: 'Billing API',
      description: 'Invoices and payments, since 2019',
      tags: { 'team': 'payments', 'cost-center': 'cc-1042' },
      members: [
        { userArn: user('alice'), projectRole: 'Owner', remoteAccessAllowed: true },
        { userArn: user('bob'), projectRole: 'Contributor', remoteAccessAllowed: false },
        { userArn: user('carol'), projectRole: 'Viewer', remoteAccessAllowed: false },
      ],
    },
    {
      id: 'billing-web',
      name: 'Billing web',
      tags: { team: 'payments' },
      members: [
        { userArn: user('alice'), projectRole: 'Owner', remoteAccessAllowed: false },
        { userArn: user('dave'), projectRole: 'Contributor', remoteAccessAllowed: true },
      ],
    },
  ],
  profiles: [
    { userArn: user('alice'), displayName: 'Alice Example', emailAddress: 'alice@example.org', sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyOfAlice alice' },
    { userArn: user('bob'), displayName: 'Bob Example', emailAddress: 'bob@example.org' },
    { userArn: user('carol'), displayName: 'Carol Example', emailAddress: 'carol@example.org' },
    { userArn: user('dave'), displayName: 'Dave Example', emailAddress: 'dave@example.org' },
  ],
};

export interface StoryIo {
  readonly out: (line?: string) => void;
  readonly header: (title: string) => void;
}

/** The account, as the endpoint's own answers give it: projects, teams, profiles (personal data included, for comparison only). */
function snapshot(codestar: LocalCodeStar): string {
  const projects = codestar.state.projects().map(p => ({
    id: p.id,
    name: p.name,
    description: p.description,
    tags: p.tags,
    state: p.status.state,
    members: codestar.state.teamMembers(p.id)
      .map(m => ({ userArn: m.userArn, projectRole: m.projectRole, remoteAccessAllowed: m.remoteAccessAllowed })),
  }));
  const profiles = codestar.state.userProfiles()
    .map(p => ({ userArn: p.userArn, displayName: p.displayName, emailAddress: p.emailAddress, sshPublicKey: p.sshPublicKey }));
  return canonicalJson({ projects, profiles });
}

function showTeams(codestar: LocalCodeStar, io: StoryIo): void {
  for (const project of codestar.state.projects()) {
    const team = codestar.state.teamMembers(project.id)
      .map(m => `${m.userArn.split('/').pop()} ${m.projectRole}${m.remoteAccessAllowed ? ' (remote access)' : ''}`);
    io.out(`    ${project.id}: ${team.join(', ')}`);
  }
}

/** Runs the story in `work`; answers the problems found (none when it went as told). */
export async function existingAccountStory(work: string, io: StoryIo): Promise<string[]> {
  const problems: string[] = [];
  const dir = path.join(work, 'existing-account');
  fs.mkdirSync(dir, { recursive: true });
  const accountFile = path.join(dir, 'account.json');
  fs.writeFileSync(accountFile, `${JSON.stringify(ACCOUNT_FILE, undefined, 2)}\n`, { mode: 0o600 });

  io.header('An existing account: CodeStar projects, teams and profiles made outside CDK');
  const codestar = await startLocalCodeStar({ stateFile: accountFile });
  const client = new CodeStarClient({
    endpoint: codestar.url, region: codestar.region, credentials: { accessKeyId: 'ASIALOCALDEMO', secretAccessKey: 'local-demo-secret' },
  });
  const env = { ...process.env, AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_REGION: codestar.region };
  /** `cdk-codestar ...` as the user types it; its output shown; the exit code checked. */
  const cli = async (args: readonly string[], expectedCode = 0, show = true): Promise<string> => {
    const shown = show ? io.out : () => undefined;
    shown(`  $ cdk-codestar ${args.join(' ')}`);
    const cliArgs = ['-r', require.resolve('ts-node/register/transpile-only'), path.join(ROOT, 'src', 'cli', 'main.ts'), ...args];
    const ran = await spawned(process.execPath, cliArgs, dir, { ...env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') });
    const lines = `${ran.stdout}${ran.stderr}`.split('\n').filter(l => l.trim() !== '');
    // The stack's other resources (IAM, Lambda, logs) are simulated: counted, not shown.
    lines.filter(l => !l.endsWith('(simulated)')).forEach(l => shown(`    | ${l}`));
    const simulated = lines.filter(l => l.endsWith('(simulated)')).length;
    if (simulated > 0) {
      shown(`    | (and ${simulated} lines about the stack's other resources, simulated)`);
    }
    if (ran.code !== expectedCode) {
      problems.push(`cdk-codestar ${args.join(' ')} exited ${ran.code}, not ${expectedCode}`);
    }
    return ran.stdout;
  };
  const synth = async () => {
    const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
    const app = `"${process.execPath}" "${require.resolve('ts-node/dist/bin.js')}" --transpile-only codestar-app.ts`;
    io.out('  $ cdk synth --app "npx ts-node codestar-app.ts" --quiet');
    const ran = await spawned(cdk, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--app', app], dir, env);
    if (ran.code !== 0) {
      throw new Error(`cdk synth of the imported app failed:\n${`${ran.stdout}${ran.stderr}`.trim().split('\n').slice(-15).join('\n')}`);
    }
  };
  const mutating = (what: string) => {
    const calls = codestar.mutatingCalls().map(c => c.operation);
    io.out(`  CodeStar calls that changed something during ${what}: ${calls.length === 0 ? 'none' : calls.join(', ')}`);
    return calls;
  };

  try {
    const before = snapshot(codestar);
    io.out(`  the account file ${path.relative(work, accountFile)}, served by the local endpoint (as \`cdk-codestar local --state account.json\` does):`);
    showTeams(codestar, io);

    io.header('Import it: a CDK app that declares what exists');
    await cli(['import', '--out', 'codestar-app.ts']);
    const source = fs.readFileSync(path.join(dir, 'codestar-app.ts'), 'utf-8');
    io.out(`  codestar-app.ts: ${source.split('\n').length} lines; its stack class is exported for reuse`);
    prepareAppDir(dir);
    await synth();

    io.header('Plan and deploy the imported app: nothing changes');
    const planned = await cli(['plan']);
    if (!planned.includes('no CodeStar call changes anything')) {
      problems.push('the plan of the imported app is not "no CodeStar call changes anything"');
    }
    codestar.clearCalls();
    await cli(['deploy', '--poll-interval', '50']);
    if (mutating('the deploy').length > 0 || snapshot(codestar) !== before) {
      problems.push('deploying the imported app changed the account');
    }

    io.header('Change a role in the code: Bob from Contributor to Viewer on billing-api');
    const changed = changeRole(source, 'billing-api', 'bob', 'CONTRIBUTOR', 'VIEWER');
    if (changed === undefined) {
      throw new Error('the imported app declares no Contributor membership of bob in billing-api');
    }
    fs.writeFileSync(path.join(dir, 'codestar-app.ts'), changed);
    await synth();
    await cli(['plan']);
    const plan = JSON.parse((await cli(['plan', '--json'], 0, false)).trim()) as { stacks: Array<{ resources: Array<{ calls: Array<{ operation: string }> }> }> };
    const calls = plan.stacks.flatMap(s => s.resources.flatMap(r => r.calls.map(c => c.operation)));
    io.out(`  planned (plan --json): ${calls.join(', ') || 'nothing'}`);
    codestar.clearCalls();
    await cli(['deploy', '--poll-interval', '50']);
    const made = mutating('the deploy');
    if (calls.join() !== 'UpdateTeamMember' || made.join() !== 'UpdateTeamMember') {
      problems.push(`the role change was planned as [${calls.join(', ')}] and made as [${made.join(', ')}], not one UpdateTeamMember`);
    }
    showTeams(codestar, io);

    io.header('A change outside CDK, and drift finds it');
    io.out('  (someone makes Carol a Contributor of billing-api in the console)');
    await client.send(new UpdateTeamMemberCommand({ projectId: 'billing-api', userArn: user('carol'), projectRole: 'Contributor' }));
    const drift = await cli(['drift'], 1);
    if (!/DRIFTED/.test(drift)) {
      problems.push('drift did not report the member changed outside CDK');
    }

    io.header('Destroy the stack: the account is as it was at the start');
    codestar.clearCalls();
    await cli(['destroy', '--poll-interval', '50']);
    mutating('the destroy');
    showTeams(codestar, io);
    if (snapshot(codestar) !== before) {
      problems.push('after destroy, the account is not as it was before the import');
    } else {
      io.out('  the endpoint\'s projects, teams and profiles are exactly those of the account file at the start');
    }
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    client.destroy();
    await codestar.close();
  }
  return problems;
}

/**
 * The source with one member's role changed, as a user edits it: in the declarations that follow
 * the project's `projectId`, the user's `addTeamMember` and its `role: ProjectRole.<from>` line.
 * Undefined when the file declares no such membership.
 */
function changeRole(source: string, projectId: string, userName: string, from: string, to: string): string | undefined {
  const lines = source.split('\n');
  const project = lines.findIndex(l => l.includes(`projectId: '${projectId}'`));
  const member = lines.findIndex((l, i) => i > project && l.includes(`.addTeamMember('Member-${userName}'`));
  const role = lines.findIndex((l, i) => i > member && l.trim().startsWith('role: '));
  if (project < 0 || member < 0 || role < 0 || lines[role].trim() !== `role: ProjectRole.${from},`) {
    return undefined;
  }
  lines[role] = lines[role].replace(`ProjectRole.${from}`, `ProjectRole.${to}`);
  return lines.join('\n');
}
