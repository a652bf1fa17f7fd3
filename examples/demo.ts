/**
 * `npm run demo`: the example app (examples/app.ts), deployed, changed and destroyed on this machine.
 *
 *   1. build the handler bundle (assets/handler/index.js) with `npx projen bundle:handler`;
 *   2. synthesize the app (stage `initial`) with the real `cdk` CLI;
 *   3. start the local CodeStar endpoint and deploy with the lifecycle runner: the real bundle, the
 *      real AWS SDK over HTTP (AWS_ENDPOINT_URL_CODESTAR points it at the endpoint);
 *   4. synthesize stage `changed` and deploy it: a rename, a new tag, a role change, and a team
 *      member replaced by another user (Carol by Dave);
 *   5. destroy;
 *   6. ask the endpoint, through the SDK, what it still holds: nothing, or the demo fails;
 *   7. the second story (examples/existing-account.ts): an account made outside CDK, imported with
 *      `cdk-codestar import`, planned, deployed with no change, changed in code and outside CDK
 *      (plan, deploy, drift), destroyed: the account is as it was.
 *
 * Nothing here talks to AWS. Everything the demo writes goes to a temporary directory.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CodeStarClient, DescribeProjectCommand, ListProjectsCommand, ListTagsForProjectCommand, ListTeamMembersCommand, ListUserProfilesCommand,
} from '@aws-sdk/client-codestar';
import { EXAMPLE_STACK_ID, ExampleStage } from './app';
import { existingAccountStory } from './existing-account';
import { LocalCodeStar, startLocalCodeStar } from '../src/local/endpoint';
import { LifecycleRunner, RunResult } from '../src/local/runner';

const ROOT = path.resolve(__dirname, '..');
const PROJECT_ID = 'demo-app';
/** Between the runner's isComplete polls: the local endpoint completes a project after one. */
const POLL_INTERVAL_MS = 50;

const out = (line = '') => process.stdout.write(`${line}\n`);

let stepNumber = 0;
function header(title: string): void {
  stepNumber++;
  out();
  out(`== ${stepNumber}. ${title} ${'='.repeat(Math.max(3, 72 - title.length))}`);
}

/** Runs a command in the repository and answers what it printed; on failure, throws with the end of it. */
function run(command: string, args: readonly string[]): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf-8', shell: process.platform === 'win32' });
  if (result.error || result.status !== 0) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`\`${[command, ...args].join(' ')}\` failed (${result.error?.message ?? `exit code ${result.status}`}):\n${tail}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

/** `cdk synth` of one stage of the example app into `outdir`, with the real CLI. */
function synth(stage: ExampleStage, outdir: string): void {
  const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
  const tsNode = require.resolve('ts-node/dist/bin.js');
  const app = `"${process.execPath}" "${tsNode}" --project examples/tsconfig.json examples/app.ts`;
  // No notices and no telemetry: the CLI would try to reach the internet for them.
  const { stdout, stderr } = run(cdk, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--app', app, '-c', `stage=${stage}`, '--output', outdir]);
  out(`  $ cdk synth --app "ts-node --project examples/tsconfig.json examples/app.ts" -c stage=${stage} --output ${outdir}`);
  // The library's synthesis warnings (CodeStar takes no new projects) come on stderr.
  `${stdout}${stderr}`.split('\n').filter(l => l.trim() !== '').forEach(l => out(`    | ${l}`));
  const templates = fs.readdirSync(outdir).filter(f => f.endsWith('.template.json'));
  out(`  cloud assembly: ${templates.join(', ')}`);
}

/** The runner's output, CodeStar resources in full; the simulated IAM, Lambda and logs resources counted. */
class Output {
  private simulated = 0;

  public line(line: string): void {
    if (line.endsWith('(simulated)')) {
      this.simulated++;
    } else {
      out(`  ${line}`);
    }
  }

  public flush(): void {
    if (this.simulated > 0) {
      out(`  (and ${this.simulated} lines about the stack's other resources: IAM, Lambda, Step Functions, logs; simulated, not deployed)`);
      this.simulated = 0;
    }
  }
}

const shortUser = (arn: string | undefined) => (arn ?? '').split('/').pop() ?? '';

/** What the endpoint holds, read with the SDK as any client would. */
async function showAccount(client: CodeStarClient, callerArn: string): Promise<void> {
  const projects = (await client.send(new ListProjectsCommand({}))).projects ?? [];
  for (const { projectId } of projects) {
    const described = await client.send(new DescribeProjectCommand({ id: projectId }));
    const tags = (await client.send(new ListTagsForProjectCommand({ id: projectId }))).tags ?? {};
    out(`  project ${projectId}: "${described.name}" (${described.status?.state}), tags ${JSON.stringify(tags)}`);
    const members = (await client.send(new ListTeamMembersCommand({ projectId }))).teamMembers ?? [];
    for (const m of members) {
      const note = m.userArn === callerArn ? '  (the caller: CodeStar makes a project\'s creator its Owner)' : '';
      out(`    member ${shortUser(m.userArn)}: ${m.projectRole}${m.remoteAccessAllowed ? ', remote access' : ''}${note}`);
    }
  }
  const profiles = (await client.send(new ListUserProfilesCommand({}))).userProfiles ?? [];
  for (const p of profiles) {
    out(`  user profile ${shortUser(p.userArn)}: "${p.displayName}"${p.sshPublicKey ? ', with an SSH key' : ''}`);
  }
  if (projects.length === 0 && profiles.length === 0) {
    out('  (nothing)');
  }
}

/** The endpoint's own view after destroy, with the SDK; the problems found, if any. */
async function finalView(client: CodeStarClient): Promise<string[]> {
  const problems: string[] = [];
  const projects = (await client.send(new ListProjectsCommand({}))).projects ?? [];
  out(`  ListProjects       -> ${JSON.stringify(projects.map(p => p.projectId))}`);
  projects.forEach(p => problems.push(`project ${p.projectId} still exists`));
  for (const projectId of new Set([PROJECT_ID, ...projects.map(p => p.projectId!)])) {
    try {
      const members = (await client.send(new ListTeamMembersCommand({ projectId }))).teamMembers ?? [];
      out(`  ListTeamMembers    -> ${projectId}: ${JSON.stringify(members.map(m => `${shortUser(m.userArn)}:${m.projectRole}`))}`);
      members.forEach(m => problems.push(`${shortUser(m.userArn)} is still a member of ${projectId}`));
    } catch (e) {
      if ((e as Error).name !== 'ProjectNotFoundException') {
        throw e;
      }
      out(`  ListTeamMembers    -> ${projectId}: ProjectNotFoundException (no such project)`);
    }
  }
  const profiles = (await client.send(new ListUserProfilesCommand({}))).userProfiles ?? [];
  out(`  ListUserProfiles   -> ${JSON.stringify(profiles.map(p => shortUser(p.userArn)))}`);
  profiles.forEach(p => problems.push(`the user profile of ${shortUser(p.userArn)} still exists`));
  return problems;
}

function summarize(what: string, result: RunResult): string | undefined {
  const failures = result.stacks.filter(s => !s.success).map(s => `${s.stackName}: ${s.status}: ${s.reason ?? ''}`);
  const warnings = result.stacks.flatMap(s => s.warnings);
  warnings.forEach(w => out(`  warning: ${w}`));
  if (result.success && result.stacks.length > 0) {
    out(`  -> ${what}: ${result.stacks.map(s => `${s.stackName} ${s.status}`).join(', ')}`);
    return undefined;
  }
  const problem = `${what} failed: ${failures.join('; ') || 'no stack in the cloud assembly'}`;
  out(`  -> ${problem}`);
  return problem;
}

async function main(): Promise<number> {
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-codestar-demo-'));
  const problems: string[] = [];
  let codestar: LocalCodeStar | undefined;
  let client: CodeStarClient | undefined;

  out('cdk-codestar demo: the example app (examples/app.ts) deployed, changed and destroyed on this machine.');
  out('A local CodeStar endpoint stands in for AWS; nothing here talks to AWS.');
  out(`Working directory: ${work}`);
  try {
    header('Build the Lambda handler bundle');
    run('npx', ['projen', 'bundle:handler']);
    const bundle = path.join(ROOT, 'assets', 'handler', 'index.js');
    out(`  $ npx projen bundle:handler  -> ${path.relative(ROOT, bundle)} (${Math.round(fs.statSync(bundle).size / 1024)} KiB, the frozen CodeStar SDK inside)`);

    header('Synthesize the app, stage "initial"');
    const initial = path.join(work, 'cdk.out.initial');
    synth('initial', initial);

    header('Start the local CodeStar endpoint and deploy');
    codestar = await startLocalCodeStar();
    client = new CodeStarClient({
      endpoint: codestar.url,
      region: codestar.region,
      credentials: { accessKeyId: 'ASIALOCALDEMO', secretAccessKey: 'local-demo-secret' },
    });
    out(`  endpoint: ${codestar.url} (account ${codestar.account}, ${codestar.region}; the caller is ${shortUser(codestar.callerUserArn)})`);
    const output = new Output();
    const runner = new LifecycleRunner({
      stateFile: path.join(work, 'state.json'),
      codeStarEndpoint: codestar.url,
      pollIntervalMs: POLL_INTERVAL_MS,
      writer: line => output.line(line),
    });
    const deploy = async (what: string, dir: string) => {
      const result = await runner.deploy(dir);
      output.flush();
      const problem = summarize(what, result);
      if (problem) {
        problems.push(problem);
      }
      return problem === undefined;
    };

    if (await deploy('deploy of stage "initial"', initial)) {
      out('  The endpoint now holds:');
      await showAccount(client, codestar.callerUserArn);

      header('Synthesize stage "changed" and deploy it');
      out('  (a rename, a new tag, Bob from Viewer to Contributor, Carol replaced by Dave)');
      const changed = path.join(work, 'cdk.out.changed');
      synth('changed', changed);
      codestar.clearCalls();
      if (await deploy('deploy of stage "changed"', changed)) {
        out(`  CodeStar calls that changed something: ${codestar.mutatingCalls().map(c => c.operation).join(', ')}`);
        out('  The endpoint now holds:');
        await showAccount(client, codestar.callerUserArn);
      }
    }

    header(`Destroy the stack ${EXAMPLE_STACK_ID}`);
    const destroyed = await runner.destroy();
    output.flush();
    const destroyProblem = summarize('destroy', destroyed);
    if (destroyProblem) {
      problems.push(destroyProblem);
    }

    header('What the endpoint holds now (its own answers, through the AWS SDK)');
    problems.push(...await finalView(client));

    out();
    out('Second story: an account whose projects, teams and profiles exist already, brought under CDK.');
    run('npx', ['projen', 'bundle:cli-sdk']);
    problems.push(...await existingAccountStory(work, { out, header }));
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  } finally {
    client?.destroy();
    await codestar?.close();
  }

  out();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    out(`DEMO FAILED after ${seconds} s:`);
    problems.forEach(p => out(`  - ${p}`));
    out(`The runner's state, the cloud assemblies and the function's log (logs/, as CloudWatch Logs would keep it) are kept in ${work}`);
    return 1;
  }
  fs.rmSync(work, { recursive: true, force: true });
  out(`Demo complete in ${seconds} s: the example app deployed, changed and destroyed, leaving nothing; an existing account`);
  out('imported, deployed with no change, changed in code and outside CDK, and left as it was.');
  return 0;
}

main().then(code => process.exit(code), e => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
