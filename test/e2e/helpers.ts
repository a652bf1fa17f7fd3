import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CodeStarClient,
  DescribeProjectCommand,
  ListProjectsCommand,
  ListTagsForProjectCommand,
  ListTeamMembersCommand,
  ListUserProfilesCommand,
} from '@aws-sdk/client-codestar';
import { App, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeDestination, CodeStarProject, ICodeStarProject, ProjectRole, ProjectSource, Toolchain, UserProfile } from '../../src';
import { LocalCodeStar, LocalCodeStarOptions, startLocalCodeStar } from '../../src/local/endpoint';
import { DEFAULT_HANDLER_FILE, LifecycleRunner, LifecycleRunnerOptions, localLambdaEndpoint, RunResult, StackResult } from '../../src/local/runner';
import { SEED_CODE_DIR, TOOLCHAIN_FILE } from '../helpers';
import { LambdaContainer } from '../lambda-container';
import { codeStarClient, tempDir } from '../local/helpers';

export { userArn } from '../local/helpers';

/**
 * End-to-end harness: the real handler bundle in a Lambda-like container (its own process), invoked
 * at its Lambda entry point (`index.handler`) and answering at its ResponseURL as on AWS, the
 * real CodeStar SDK over HTTP, the local CodeStar endpoint (in-process) and the lifecycle runner,
 * driving apps synthesized from the library's constructs. Nothing here talks to AWS.
 */

/**
 * The bundle the test task builds (`npx projen bundle:handler`) before jest runs. CDK_CODESTAR_E2E_BUNDLE
 * runs the e2e tests against another build of the handler (a candidate fix, a deliberately broken one).
 */
export const HANDLER_BUNDLE = process.env.CDK_CODESTAR_E2E_BUNDLE ? path.resolve(process.env.CDK_CODESTAR_E2E_BUNDLE) : DEFAULT_HANDLER_FILE;

/** The stack every e2e app deploys, unless a test names another. */
export const STACK_NAME = 'E2E';

/** Fails with a clear message when the bundle has not been built. */
export function assertHandlerBundle(): void {
  if (!fs.existsSync(HANDLER_BUNDLE)) {
    throw new Error(`The handler bundle ${path.relative(process.cwd(), HANDLER_BUNDLE)} is missing: `
      + 'build it with `npx projen bundle:handler` (`npx projen test` does this before running jest).');
  }
}

/** A CodeStar team member as ListTeamMembers answers it. */
export interface MemberView {
  readonly userArn: string;
  readonly projectRole: string;
  readonly remoteAccessAllowed: boolean;
}

/** A project as DescribeProject, ListTagsForProject and ListTeamMembers answer it. */
export interface ProjectView {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly state?: string;
  readonly tags: Record<string, string>;
  /** Sorted by user ARN. */
  readonly members: MemberView[];
}

export interface ProfileView {
  readonly userArn: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
}

/** Everything in the account, sorted, as the real SDK reads it through the List operations. */
export interface AccountView {
  readonly projects: ProjectView[];
  readonly profiles: ProfileView[];
}

async function allPages<T>(page: (nextToken?: string) => Promise<{ items: T[]; nextToken?: string }>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const result = await page(nextToken);
    items.push(...result.items);
    nextToken = result.nextToken;
  } while (nextToken !== undefined);
  return items;
}

/** Reads the whole account with the List operations (small pages, so pagination is exercised too). */
export async function readAccount(client: CodeStarClient, pageSize = 2): Promise<AccountView> {
  const projectIds = await allPages(async nextToken => {
    const out = await client.send(new ListProjectsCommand({ nextToken, maxResults: pageSize }));
    return { items: (out.projects ?? []).map(p => p.projectId!), nextToken: out.nextToken };
  });
  const projects: ProjectView[] = [];
  for (const id of [...projectIds].sort()) {
    const described = await client.send(new DescribeProjectCommand({ id }));
    const tags = await allPages(async nextToken => {
      const out = await client.send(new ListTagsForProjectCommand({ id, nextToken, maxResults: pageSize }));
      return { items: Object.entries(out.tags ?? {}), nextToken: out.nextToken };
    });
    const members = await allPages(async nextToken => {
      const out = await client.send(new ListTeamMembersCommand({ projectId: id, nextToken, maxResults: pageSize }));
      return { items: out.teamMembers ?? [], nextToken: out.nextToken };
    });
    projects.push({
      id,
      name: described.name!,
      // The API cannot remove a description, only set it to '' (which is what the handler does).
      ...(described.description ? { description: described.description } : {}),
      state: described.status?.state,
      tags: Object.fromEntries(tags),
      members: members
        .map(m => ({ userArn: m.userArn!, projectRole: m.projectRole!, remoteAccessAllowed: m.remoteAccessAllowed ?? false }))
        .sort((a, b) => a.userArn.localeCompare(b.userArn)),
    });
  }
  const profiles = await allPages(async nextToken => {
    const out = await client.send(new ListUserProfilesCommand({ nextToken, maxResults: pageSize }));
    return { items: out.userProfiles ?? [], nextToken: out.nextToken };
  });
  return {
    projects,
    profiles: profiles
      .map(p => ({
        userArn: p.userArn!,
        displayName: p.displayName!,
        emailAddress: p.emailAddress!,
        ...(p.sshPublicKey ? { sshPublicKey: p.sshPublicKey } : {}),
      }))
      .sort((a, b) => a.userArn.localeCompare(b.userArn)),
  };
}

/** An IAM user of the app's account by name: a fixed ARN, `arn:aws:iam::<account>:user/<name>`. */
export function user(stack: Stack, name: string): iam.IUser {
  return iam.User.fromUserName(stack, `User-${name}`, name);
}

/** A team member of a project in an AppSpec. */
export interface MemberSpec {
  /** IAM user name (the ARN is `arn:aws:iam::<account>:user/<name>`). */
  readonly user: string;
  readonly role: ProjectRole;
  readonly remoteAccessAllowed?: boolean;
  /** Construct id under the project. @default `Member-<user>` */
  readonly key?: string;
  /** Keep the membership when it leaves the stack. @default the library's: DESTROY */
  readonly retain?: boolean;
}

/** A CodeStarProject in an AppSpec. */
export interface ProjectSpec {
  readonly projectId: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Keep the project when it leaves the stack. @default false: DESTROY */
  readonly retain?: boolean;
  /**
   * The library defaults to true; most tests delete what they deploy, so here it is off unless
   * a test asks for it. @default false
   */
  readonly deletionProtection?: boolean;
  /** Take over an existing project that is not the stack's own. @default false */
  readonly adopt?: boolean;
  readonly deleteProjectStack?: boolean;
  /** Seed code (test/fixtures/seed-code) into a CodeCommit repository of this name, with the fixture toolchain. */
  readonly repositoryName?: string;
  readonly members?: readonly MemberSpec[];
  /** Construct id: keep it when the project id changes, and the project is replaced. @default 'Project' */
  readonly key?: string;
  /** An existing project (`CodeStarProject.fromProjectId`): only its members are the app's. @default false */
  readonly imported?: boolean;
}

/** A UserProfile in an AppSpec. */
export interface ProfileSpec {
  readonly user: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
  /** Created before or after every project of the app (an explicit dependency). @default no dependency */
  readonly order?: 'beforeProjects' | 'afterProjects';
  /** Construct id. @default `Profile-<user>` */
  readonly key?: string;
  /** Take over an existing profile. @default false */
  readonly adopt?: boolean;
  /** Keep the profile when it leaves the stack. @default the library's: DESTROY, RETAIN with adopt */
  readonly retain?: boolean;
}

/** A small app, declared as data: tests and the soak derive each version of an app from one. */
export interface AppSpec {
  readonly projects?: readonly ProjectSpec[];
  readonly profiles?: readonly ProfileSpec[];
}

/** Adds an AppSpec's constructs to a stack, with the library's public API only. */
export function buildApp(stack: Stack, spec: AppSpec): void {
  const users = new Map<string, iam.IUser>();
  const userOf = (name: string) => {
    if (!users.has(name)) {
      users.set(name, user(stack, name));
    }
    return users.get(name)!;
  };
  const projects: CodeStarProject[] = [];
  for (const p of spec.projects ?? []) {
    const addMembers = (project: ICodeStarProject) => (p.members ?? []).forEach(m =>
      project.addTeamMember(m.key ?? `Member-${m.user}`, {
        user: userOf(m.user),
        role: m.role,
        remoteAccessAllowed: m.remoteAccessAllowed,
        ...(m.retain === undefined ? {} : { removalPolicy: m.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY }),
      }));
    if (p.imported) {
      addMembers(CodeStarProject.fromProjectId(stack, p.key ?? 'Project', p.projectId));
      continue;
    }
    const project = new CodeStarProject(stack, p.key ?? 'Project', {
      projectId: p.projectId,
      projectName: p.name,
      description: p.description,
      removalPolicy: p.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: p.deletionProtection ?? false,
      adopt: p.adopt,
      deleteProjectStack: p.deleteProjectStack,
      ...(p.repositoryName === undefined ? {} : {
        sourceCode: [{
          source: ProjectSource.fromAsset(SEED_CODE_DIR),
          destination: CodeDestination.codeCommit({ repositoryName: p.repositoryName }),
        }],
        // No stackParameters: their values are sensitive in the API model, and the runner masks them
        // wherever they appear, the project id in every reason included if it is one of them.
        toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE),
      }),
    });
    for (const [key, value] of Object.entries(p.tags ?? {})) {
      Tags.of(project).add(key, value);
    }
    addMembers(project);
    projects.push(project);
  }
  for (const p of spec.profiles ?? []) {
    const profile = new UserProfile(stack, p.key ?? `Profile-${p.user}`, {
      user: userOf(p.user),
      displayName: p.displayName,
      emailAddress: p.emailAddress,
      sshPublicKey: p.sshPublicKey,
      adopt: p.adopt,
      ...(p.retain === undefined ? {} : { removalPolicy: p.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY }),
    });
    if (p.order === 'afterProjects') {
      projects.forEach(project => profile.node.addDependency(project));
    } else if (p.order === 'beforeProjects') {
      projects.forEach(project => project.node.addDependency(profile));
    }
  }
}

/** Synthesizes an app with one stack into `outdir` (a cloud assembly, as `cdk synth` writes it). */
export function synthesize(outdir: string, spec: AppSpec | ((stack: Stack) => void), stackName = STACK_NAME): string {
  const app = new App({ outdir, analyticsReporting: false });
  const stack = new Stack(app, stackName);
  if (typeof spec === 'function') {
    spec(stack);
  } else {
    buildApp(stack, spec);
  }
  app.synth();
  return outdir;
}

/** Assemblies synthesized once per distinct app: see {@link synthCache}. */
export interface SynthCache {
  /** Distinct assemblies so far. */
  readonly size: number;
  /** The assembly of the app `key` names (built by `build` the first time), in a stack `stackName`. */
  synth(stackName: string, key: unknown, build: AppSpec | ((stack: Stack) => void)): string;
}

/**
 * Synthesizes each distinct app once, into `dir()` (the runner only reads an assembly, so one can be
 * deployed again and again). Synthesis is most of the time a random-sequence test spends, and its
 * apps repeat.
 */
export function synthCache(dir: () => string): SynthCache {
  const synthesized = new Map<string, string>();
  return {
    synth: (stackName, key, build) => {
      const id = JSON.stringify([stackName, key]);
      if (!synthesized.has(id)) {
        synthesized.set(id, synthesize(path.join(dir(), `cdk.out.cached.${synthesized.size}`), build, stackName));
      }
      return synthesized.get(id)!;
    },
    get size() { return synthesized.size; },
  };
}

/** One test file's environment: its endpoint, its handler container, and a temp dir per test. */
export interface E2EEnvironment {
  readonly codestar: LocalCodeStar;
  /** The real SDK client, pointed at the endpoint (no retries). */
  readonly client: CodeStarClient;
  /** This test's temp dir (state file, cloud assemblies). */
  readonly dir: string;
  /** What the runners of this test printed. */
  readonly lines: string[];
  /** The handler's log lines (what CloudWatch Logs would hold) in this test. */
  readonly handlerLogs: readonly string[];
  /** A runner on the endpoint with the bundle, a state file in `dir` and a 1 ms poll interval. */
  runner(options?: LifecycleRunnerOptions): LifecycleRunner;
  /** Synthesizes an app with one stack (`STACK_NAME` unless given) and answers its cloud assembly dir. */
  synth(app: AppSpec | ((stack: Stack) => void), stackName?: string): string;
  /** The account as the real SDK reads it. */
  account(): Promise<AccountView>;
  /** Operations of the successful mutating calls since the last `codestar.clearCalls()`. */
  mutations(): string[];
}

/**
 * Registers the hooks of an e2e test file: one endpoint and one handler container for the file,
 * reset before each test; a fresh temp dir per test; the container's output kept as its log.
 */
export function useE2E(options: LocalCodeStarOptions = {}): E2EEnvironment {
  let codestar: LocalCodeStar | undefined;
  let client: CodeStarClient | undefined;
  let handler: LambdaContainer | undefined;
  /** Log lines of the container before this test. */
  let logsBefore = 0;
  let dir: string | undefined;
  let assemblies = 0;
  const lines: string[] = [];

  beforeAll(async () => {
    assertHandlerBundle();
    codestar = await startLocalCodeStar(options);
    client = codeStarClient(codestar.url);
    // The function invokes itself to go on waiting for a project: through the runner's Lambda stand-in.
    handler = await LambdaContainer.start(
      { AWS_ENDPOINT_URL_CODESTAR: codestar.url, AWS_ENDPOINT_URL_LAMBDA: await localLambdaEndpoint() },
      HANDLER_BUNDLE,
    );
  });

  afterAll(async () => {
    await handler?.close();
    client?.destroy();
    await codestar?.close();
  });

  beforeEach(() => {
    codestar!.reset();
    dir = tempDir('cdk-codestar-e2e-');
    assemblies = 0;
    lines.length = 0;
    logsBefore = handler!.lines().length;
  });

  afterEach(() => {
    fs.rmSync(dir!, { recursive: true, force: true });
  });

  return {
    get codestar() { return codestar!; },
    get client() { return client!; },
    get dir() { return dir!; },
    lines,
    get handlerLogs() { return handler!.lines().slice(logsBefore); },
    runner: (runnerOptions = {}) => new LifecycleRunner({
      stateFile: path.join(dir!, 'state.json'),
      handler,
      codeStarEndpoint: codestar!.url,
      pollIntervalMs: 1,
      writer: line => lines.push(line),
      ...runnerOptions,
    }),
    synth: (spec, stackName = STACK_NAME) => synthesize(path.join(dir!, `cdk.out.${++assemblies}`), spec, stackName),
    account: () => readAccount(client!),
    mutations: () => codestar!.mutatingCalls().map(c => c.operation),
  };
}

/** The one stack of a run, failing with the runner's reason and output when it did not succeed. */
export function succeeded(result: RunResult, lines: readonly string[] = []): StackResult {
  if (!result.success || result.stacks.length !== 1) {
    const reasons = result.stacks.map(s => `${s.stackName}: ${s.status}: ${s.reason ?? ''}`).join('\n');
    throw new Error(`expected one successful stack, got:\n${reasons}\n--- runner output ---\n${lines.join('\n')}`);
  }
  return result.stacks[0];
}

/** The one stack of a run that must have failed. */
export function failed(result: RunResult): StackResult {
  if (result.success || result.stacks.length !== 1) {
    throw new Error(`expected one failed stack, got: ${result.stacks.map(s => `${s.stackName}: ${s.status}`).join(', ')}`);
  }
  return result.stacks[0];
}

/**
 * A runner warning that is expected, not a defect: CreateUserProfile has no token, so a Create
 * redelivered after the first attempt made the profile cannot prove the profile is its own and
 * answers `<userArn>|existing` (kept on destroy). CloudFormation keeps the first answer it receives.
 */
export function isProfileRedeliveryWarning(warning: string): boolean {
  return /^UserProfile\w*: the redelivered Create request \(RequestId [^)]+\) was answered differently: SUCCESS \((\S+)\) then SUCCESS \(\1\|existing\)$/.test(warning);
}

/** A stack's warnings, less the expected ones of {@link isProfileRedeliveryWarning}. */
export function unexpectedWarnings(result: StackResult): string[] {
  return result.warnings.filter(w => !isProfileRedeliveryWarning(w));
}
