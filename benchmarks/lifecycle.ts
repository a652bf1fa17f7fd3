/**
 * Sections 3 and 4: CodeStar API calls and wall time per lifecycle operation, and the throughput of
 * the lifecycle runner with the bundled handler against the local endpoint.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ENV, newApp, userArnOf } from './apps';
import { progress, Summary, summarize } from './stats';
import { CodeStarProject, ProjectRole, UserProfile } from '../src';
import { CallRecord, LocalCodeStar } from '../src/local/endpoint';
import { isOperation, MUTATING_OPERATIONS } from '../src/local/model';
import { AssemblyStack, LifecycleRunner, loadCloudAssembly, RunResult, StackResult } from '../src/local/runner';

/** The resource types of the lifecycle app, and which operations belong to each. */
export const RESOURCE_KINDS = ['project', 'member', 'profile'] as const;
export type ResourceKind = typeof RESOURCE_KINDS[number];

const KIND_OF_TYPE: Record<string, ResourceKind> = {
  'Custom::CodeStarProject': 'project', 'Custom::CodeStarTeamMember': 'member', 'Custom::CodeStarUserProfile': 'profile',
};

const KIND_OF_OPERATION: Record<string, ResourceKind> = {
  CreateProject: 'project',
  DescribeProject: 'project',
  UpdateProject: 'project',
  DeleteProject: 'project',
  TagProject: 'project',
  UntagProject: 'project',
  ListTagsForProject: 'project',
  ListResources: 'project',
  ListProjects: 'project',
  AssociateTeamMember: 'member',
  UpdateTeamMember: 'member',
  DisassociateTeamMember: 'member',
  ListTeamMembers: 'member',
  CreateUserProfile: 'profile',
  UpdateUserProfile: 'profile',
  DeleteUserProfile: 'profile',
  DescribeUserProfile: 'profile',
  ListUserProfiles: 'profile',
};

/**
 * DescribeProject answers that still show a project's create or delete in progress before the
 * final state: the local endpoint is configured with this (`transitions.describes`). The real
 * service takes as long as it takes; every describe before the final state is a necessary poll.
 */
export const IN_PROGRESS_DESCRIBES = 1;

export const OPERATIONS = ['create', 'redeliveredCreate', 'noopUpdate', 'tagOnlyUpdate', 'rename', 'roleChange', 'delete'] as const;
export type Operation = typeof OPERATIONS[number];

export const OPERATION_TITLES: Record<Operation, string> = {
  create: 'create (stack creation)',
  redeliveredCreate: 'create, every Create event delivered twice (same RequestId)',
  noopUpdate: 'no-op update (project: deleteProjectStack set; all: ServiceTimeout changed, as a library upgrade would)',
  tagOnlyUpdate: 'tag-only update (one tag added)',
  rename: 'rename (projectName changed)',
  roleChange: 'role change (one member Viewer -> Contributor)',
  delete: 'delete (stack destroyed)',
};

/** Calls the API cannot do without, per resource kind (the lifecycle app has 1 project, 2 members, 1 profile). */
export interface Minimum {
  /** At least this many calls in all. */
  readonly total: number;
  /** The split of that minimum, when only one split reaches it. */
  readonly mutating?: number;
  readonly reads?: number;
  readonly why: string;
}

const K = IN_PROGRESS_DESCRIBES;

export const MINIMUMS: Record<Operation, Partial<Record<ResourceKind, Minimum>>> = {
  create: {
    project: { total: 1 + K + 1, mutating: 1, reads: K + 1, why: `CreateProject, then DescribeProject until it is no longer in progress (${K} in-progress answer here, then the final one)` },
    member: { total: 2, mutating: 2, reads: 0, why: 'AssociateTeamMember per member; membership is synchronous' },
    profile: { total: 1, mutating: 1, reads: 0, why: 'CreateUserProfile; synchronous' },
  },
  redeliveredCreate: {
    project: {
      total: 2 * (1 + K + 1) - K,
      why: 'first delivery as create; the second must learn that the first happened and that the project is complete: one call '
        + '(CreateProject replayed with the same clientRequestToken) plus one DescribeProject, or one DescribeProject up front on every delivery - the same total',
    },
    member: { total: 4, why: 'per member: AssociateTeamMember, then the same call replayed with the same clientRequestToken (answered with success)' },
    profile: {
      total: 3,
      why: 'CreateUserProfile has no idempotency token: the second delivery needs CreateUserProfile (already exists) + DescribeUserProfile to learn '
        + 'whether the profile it found is the one declared (describing first on every delivery costs the same in total); nothing can prove it '
        + 'the first delivery\'s, so that delivery answers it as an existing profile, used as it is (CloudFormation keeps the first answer)',
    },
  },
  noopUpdate: {
    project: {
      total: 1,
      mutating: 0,
      reads: 1,
      why: 'no mutating call; one DescribeProject, because every update response must carry the project attributes '
        + '(StackId, ProjectTemplateId: only DescribeProject has them) or Fn::GetAtt on them breaks',
    },
    member: { total: 0, mutating: 0, reads: 0, why: 'nothing changed for CodeStar; attributes come from the properties' },
    profile: { total: 0, mutating: 0, reads: 0, why: 'nothing changed for CodeStar; attributes come from the properties' },
  },
  tagOnlyUpdate: {
    project: { total: 2, mutating: 1, reads: 1, why: 'TagProject with the added tag (the old properties say what was there), and the attribute DescribeProject' },
  },
  rename: {
    project: { total: 2, mutating: 1, reads: 1, why: 'UpdateProject with the new name, and the attribute DescribeProject' },
  },
  roleChange: {
    member: { total: 1, mutating: 1, reads: 0, why: 'UpdateTeamMember' },
  },
  delete: {
    project: { total: 1 + K + 1, mutating: 1, reads: K + 1, why: `DeleteProject, then DescribeProject until it is gone (${K} in-progress answer here, then not found)` },
    member: { total: 2, mutating: 2, reads: 0, why: 'DisassociateTeamMember per member' },
    profile: { total: 1, mutating: 1, reads: 0, why: 'DeleteUserProfile' },
  },
};

/** Known reasons for calls above the minimum, shown where a measurement exceeds it. */
const CONVERGE_ON_CREATE = 'after CreateProject the handler reads the project\'s tags (ListTagsForProject) to converge it: a'
  + ' CreateProject answered with success may be the replay of an earlier create with the same token and other properties (a rolled-back'
  + ' replacement coming back), which DescribeProject alone cannot tell (it returns no tags)';

export const EXCESS_REASONS: Partial<Record<Operation, Partial<Record<ResourceKind, string>>>> = {
  create: { project: CONVERGE_ON_CREATE },
  redeliveredCreate: {
    project: `on each delivery, ${CONVERGE_ON_CREATE}; and the second delivery describes the project twice, once to converge it and once`
      + ' as its first completion check (onEvent and the completion check share no state), where the first describe already says it is complete',
  },
  delete: {
    project: 'the handler describes the project before DeleteProject, to skip projects already being deleted or gone and to delete the '
      + 'stack of a project whose creation failed (deleteStack); DeleteProject itself would answer for the first two, the last needs the state',
  },
};

export interface CallCount {
  readonly mutating: number;
  readonly reads: number;
  /** Calls answered with an error (already counted above). */
  readonly failed: number;
  readonly byOperation: Record<string, number>;
}

export interface OperationResult {
  readonly operation: Operation;
  readonly title: string;
  readonly wallMs: Summary;
  /** CloudFormation requests (Create/Update/Delete) the runner delivered, per kind. */
  readonly requests: Partial<Record<ResourceKind, number>>;
  /**
   * Lambda invocations of the handler per kind: in all, and the most one request took (the
   * function's own, and each time it invoked itself to go on waiting), from the runner's record.
   */
  readonly invocations: Partial<Record<ResourceKind, { readonly total: number; readonly maxPerRequest: number }>>;
  readonly calls: Partial<Record<ResourceKind, CallCount>>;
  readonly minimum: Partial<Record<ResourceKind, Minimum>>;
  /** The call counts differed between repetitions (they should not). */
  readonly unstable: boolean;
}

export interface ThroughputResult {
  readonly n: number;
  readonly codeStarResources: number;
  readonly deployMs: Summary;
  readonly destroyMs: Summary;
  readonly deployPerSecond: number;
  readonly destroyPerSecond: number;
  readonly calls: { readonly deploy: number; readonly destroy: number };
}

function countCalls(calls: readonly CallRecord[]): Partial<Record<ResourceKind, CallCount>> {
  const out: Partial<Record<ResourceKind, { mutating: number; reads: number; failed: number; byOperation: Record<string, number> }>> = {};
  for (const call of calls) {
    const kind = KIND_OF_OPERATION[call.operation];
    if (!kind) {
      continue;
    }
    const c = out[kind] ??= { mutating: 0, reads: 0, failed: 0, byOperation: {} };
    if (isOperation(call.operation) && MUTATING_OPERATIONS.has(call.operation)) {
      c.mutating++;
    } else {
      c.reads++;
    }
    if (call.status !== 200) {
      c.failed++;
    }
    const key = call.status === 200 ? call.operation : `${call.operation} (${call.error ?? call.status})`;
    c.byOperation[key] = (c.byOperation[key] ?? 0) + 1;
  }
  return out;
}

// ---- the lifecycle app ------------------------------------------------------------------------

interface LifecycleVersion {
  readonly deleteProjectStack?: boolean;
  readonly extraTag?: boolean;
  readonly renamed?: boolean;
  readonly bobContributor?: boolean;
}

/** One project (destroyed with the stack), two members, one profile, users imported by ARN. */
function synthLifecycleApp(outdir: string, version: LifecycleVersion): AssemblyStack {
  const app = newApp({ outdir });
  const stack = new Stack(app, 'CodeStarLifecycle', { env: ENV });
  const alice = iam.User.fromUserArn(stack, 'Alice', userArnOf(9001));
  const bob = iam.User.fromUserArn(stack, 'Bob', userArnOf(9002));
  const project = new CodeStarProject(stack, 'Project', {
    projectId: 'lifecycle',
    projectName: version.renamed ? 'Lifecycle (renamed)' : 'Lifecycle',
    description: 'Lifecycle benchmark project',
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    deleteProjectStack: version.deleteProjectStack,
  });
  Tags.of(project).add('team', 'blue');
  if (version.extraTag) {
    Tags.of(project).add('stage', 'production');
  }
  project.addTeamMember('Alice', { user: alice, role: ProjectRole.OWNER });
  project.addTeamMember('Bob', { user: bob, role: version.bobContributor ? ProjectRole.CONTRIBUTOR : ProjectRole.VIEWER });
  new UserProfile(stack, 'AliceProfile', { user: alice, displayName: 'Alice Example', emailAddress: 'alice@example.org' });
  app.synth();
  return loadCloudAssembly(outdir)[0];
}

/**
 * How templates are handed to the runner. `bumpServiceTimeout`: every CodeStar resource gets an
 * Update whose CodeStar properties are unchanged (as after a library upgrade that changes only
 * ServiceTimeout). `stripServiceTimeout`: the workaround for a handler that rejects ServiceTimeout
 * (see `handlerRejectsServiceTimeout`).
 */
export interface TemplateAdjustment {
  readonly stripServiceTimeout: boolean;
  readonly bumpServiceTimeout?: boolean;
}

export function adjust(stack: AssemblyStack, how: TemplateAdjustment): AssemblyStack {
  const template = structuredClone(stack.template);
  for (const resource of Object.values(template.Resources ?? {})) {
    const properties = resource.Properties;
    if (!resource.Type.startsWith('Custom::CodeStar') || properties?.ServiceTimeout === undefined) {
      continue;
    }
    if (how.stripServiceTimeout) {
      delete properties.ServiceTimeout;
    } else if (how.bumpServiceTimeout) {
      properties.ServiceTimeout = String(Number(properties.ServiceTimeout) + 60);
    }
  }
  return { ...stack, template };
}

const SERVICE_TIMEOUT_REJECTED = /ServiceTimeout is not a known property/;

/**
 * CloudFormation delivers ServiceTimeout in ResourceProperties (next to ServiceToken), and so does
 * the runner. A handler that rejects it fails every resource this library synthesizes; the
 * benchmarks then measure with ServiceTimeout removed from the templates, and say so.
 */
export async function handlerRejectsServiceTimeout(codestar: LocalCodeStar, workDir: string): Promise<string | undefined> {
  codestar.reset();
  const runner = new LifecycleRunner({
    stateFile: path.join(workDir, 'probe.state.json'), codeStarEndpoint: codestar.url, pollIntervalMs: 1, writer: () => undefined,
  });
  const result = await quietly(() => runner.deployStack(synthLifecycleApp(path.join(workDir, 'lifecycle-probe'), {})));
  if (result.success) {
    check(await quietly(() => runner.destroy()), 'probe destroy');
    return undefined;
  }
  if (SERVICE_TIMEOUT_REJECTED.test(result.reason ?? '')) {
    await quietly(() => runner.destroy());
    return result.reason;
  }
  throw new Error(`deploying the lifecycle app failed: ${result.status} ${result.reason ?? ''}`);
}

/** The stacks of a run (deploy, destroy) or the one stack of deployStack. */
function stacksOf(result: RunResult | StackResult): readonly StackResult[] {
  return 'stacks' in result ? result.stacks : [result];
}

function requestsOf(result: RunResult | StackResult): Partial<Record<ResourceKind, number>> {
  const stacks = stacksOf(result);
  const out: Partial<Record<ResourceKind, number>> = {};
  for (const event of stacks.flatMap(s => s.events)) {
    const kind = KIND_OF_TYPE[event.resourceType];
    if (kind && !event.simulated && event.status.endsWith('_IN_PROGRESS')) {
      out[kind] = (out[kind] ?? 0) + 1;
    }
  }
  return out;
}

function invocationsOf(result: RunResult | StackResult): OperationResult['invocations'] {
  const stacks = stacksOf(result);
  const out: Partial<Record<ResourceKind, { total: number; maxPerRequest: number }>> = {};
  for (const request of stacks.flatMap(s => s.requests)) {
    const kind = KIND_OF_TYPE[request.resourceType];
    if (kind) {
      const c = out[kind] ??= { total: 0, maxPerRequest: 0 };
      c.total += request.invocations;
      c.maxPerRequest = Math.max(c.maxPerRequest, request.invocations);
    }
  }
  return out;
}

/**
 * The one answer a redelivered Create may change: a profile's. CreateUserProfile takes no token, so
 * the second delivery finds a profile it cannot prove its own and answers `<userArn>|existing`
 * (identical, used as it is); CloudFormation keeps the first answer.
 */
const PROFILE_REDELIVERY = /^UserProfile\w+: the redelivered Create request \(RequestId [^)]+\) was answered differently: SUCCESS \(([^)]+)\) then SUCCESS \(\1\|existing\)$/;

function check(result: RunResult | StackResult, what: string, allowed?: RegExp): void {
  const stacks = stacksOf(result);
  if (!result.success) {
    // The stack's reason names the resources; the first failed resource's says why.
    const cause = stacks.flatMap(s => s.events).find(e => e.status.endsWith('_FAILED') && e.reason);
    throw new Error(`${what} failed: ${stacks.map(s => `${s.stackName} ${s.status}: ${s.reason ?? ''}`).join('; ')}`
      + (cause ? ` (first: ${cause.logicalId} ${cause.status}: ${cause.reason})` : ''));
  }
  const warnings = stacks.flatMap(s => s.warnings).filter(w => !allowed?.test(w));
  if (warnings.length > 0) {
    throw new Error(`${what}: ${warnings.join('; ')}`);
  }
}

/** Silences the handler's log lines (console.log) while the runner drives it in this process. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await run();
  } finally {
    console.log = log;
  }
}

export interface LifecycleOptions {
  readonly codestar: LocalCodeStar;
  readonly repetitions: number;
  readonly workDir: string;
  readonly stripServiceTimeout: boolean;
}

/** Runs every operation `repetitions` times (fresh account each time) and counts its calls. */
export async function measureOperations(options: LifecycleOptions): Promise<OperationResult[]> {
  const { codestar, workDir } = options;
  const synth = (name: string, version: LifecycleVersion, bump: boolean) => adjust(
    synthLifecycleApp(path.join(workDir, `lifecycle-${name}`), version),
    { stripServiceTimeout: options.stripServiceTimeout, bumpServiceTimeout: bump });
  const initial = synth('initial', {}, false);
  const noop = synth('noop', { deleteProjectStack: true }, true);
  const tagged = synth('tagged', { deleteProjectStack: true, extraTag: true }, true);
  const renamed = synth('renamed', { deleteProjectStack: true, extraTag: true, renamed: true }, true);
  const roleChanged = synth('role', { deleteProjectStack: true, extraTag: true, renamed: true, bobContributor: true }, true);
  const steps: Array<{ operation: Operation; run: (runner: LifecycleRunner) => Promise<RunResult | StackResult> }> = [
    { operation: 'create', run: r => r.deployStack(initial) },
    { operation: 'noopUpdate', run: r => r.deployStack(noop) },
    { operation: 'tagOnlyUpdate', run: r => r.deployStack(tagged) },
    { operation: 'rename', run: r => r.deployStack(renamed) },
    { operation: 'roleChange', run: r => r.deployStack(roleChanged) },
    { operation: 'delete', run: r => r.destroy() },
  ];

  const wall: Record<Operation, number[]> = Object.fromEntries(OPERATIONS.map(o => [o, []])) as never;
  const counts: Record<Operation, string[]> = Object.fromEntries(OPERATIONS.map(o => [o, []])) as never;
  const firstCounts: Partial<Record<Operation, Partial<Record<ResourceKind, CallCount>>>> = {};
  const requests: Partial<Record<Operation, Partial<Record<ResourceKind, number>>>> = {};
  const invocations: Partial<Record<Operation, OperationResult['invocations']>> = {};
  const record = (operation: Operation, elapsed: number, result: RunResult | StackResult) => {
    wall[operation].push(elapsed);
    const c = countCalls(codestar.calls());
    counts[operation].push(JSON.stringify(c));
    firstCounts[operation] ??= c;
    requests[operation] ??= requestsOf(result);
    invocations[operation] ??= invocationsOf(result);
  };
  const newRunner = (name: string, redeliver = false) => new LifecycleRunner({
    stateFile: path.join(workDir, `${name}.state.json`),
    codeStarEndpoint: codestar.url,
    pollIntervalMs: 1,
    writer: () => undefined,
    ...(redeliver ? { redeliver: (e: { RequestType: string }) => e.RequestType === 'Create' } : {}),
  });

  for (let rep = 0; rep < options.repetitions; rep++) {
    codestar.reset();
    fs.rmSync(path.join(workDir, `ops-${rep}.state.json`), { force: true });
    const runner = newRunner(`ops-${rep}`);
    for (const step of steps) {
      codestar.clearCalls();
      const start = performance.now();
      const result = await quietly(() => step.run(runner));
      const elapsed = performance.now() - start;
      check(result, step.operation);
      record(step.operation, elapsed, result);
    }

    codestar.reset();
    const redelivering = newRunner(`redeliver-${rep}`, true);
    const start = performance.now();
    const result = await quietly(() => redelivering.deployStack(initial));
    const elapsed = performance.now() - start;
    check(result, 'redeliveredCreate', PROFILE_REDELIVERY);
    record('redeliveredCreate', elapsed, result);
    check(await quietly(() => redelivering.destroy()), 'destroy after redeliveredCreate');
  }
  progress(`lifecycle operations: ${options.repetitions} repetitions done`);

  return OPERATIONS.map(operation => ({
    operation,
    title: OPERATION_TITLES[operation],
    wallMs: summarize(wall[operation]),
    requests: requests[operation] ?? {},
    invocations: invocations[operation] ?? {},
    calls: firstCounts[operation] ?? {},
    minimum: MINIMUMS[operation],
    unstable: new Set(counts[operation]).size > 1,
  }));
}

/** Deploys and destroys a synthesized app (cdk.out) `repetitions` times; resources per second. */
export async function measureThroughput(options: LifecycleOptions & { readonly assemblyDir: string; readonly n: number }): Promise<ThroughputResult> {
  const { codestar } = options;
  const stack = adjust(loadCloudAssembly(options.assemblyDir)[0], { stripServiceTimeout: options.stripServiceTimeout });
  const codeStarResources = Object.values(stack.template.Resources ?? {}).filter(r => r.Type.startsWith('Custom::CodeStar')).length;
  const deployMs: number[] = [];
  const destroyMs: number[] = [];
  let calls = { deploy: 0, destroy: 0 };
  for (let rep = 0; rep < options.repetitions; rep++) {
    codestar.reset();
    const stateFile = path.join(options.workDir, `throughput-${rep}.state.json`);
    fs.rmSync(stateFile, { force: true });
    const runner = new LifecycleRunner({ stateFile, codeStarEndpoint: codestar.url, pollIntervalMs: 1, writer: () => undefined });
    let start = performance.now();
    check(await quietly(() => runner.deployStack(stack)), `deploy N=${options.n}`);
    deployMs.push(performance.now() - start);
    const deployCalls = codestar.calls().length;
    codestar.clearCalls();
    start = performance.now();
    check(await quietly(() => runner.destroy()), `destroy N=${options.n}`);
    destroyMs.push(performance.now() - start);
    calls = { deploy: deployCalls, destroy: codestar.calls().length };
    progress(`throughput N=${options.n}: run ${rep + 1}/${options.repetitions} done`);
  }
  const deploy = summarize(deployMs);
  const destroy = summarize(destroyMs);
  return {
    n: options.n,
    codeStarResources,
    deployMs: deploy,
    destroyMs: destroy,
    deployPerSecond: codeStarResources / (deploy.median / 1000),
    destroyPerSecond: codeStarResources / (destroy.median / 1000),
    calls,
  };
}

export function tempWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-codestar-bench-'));
}
