import * as path from 'node:path';
import { accountArgument, parseCommandLine } from './arguments';
import { CodeStarReader, LiveProject, LiveTeamMember } from './codestar';
import { assemblyStacks, STATE_FILE, stacksFromCloudFormation, withStateFile } from './deployed';
import { EXIT, UsageError } from './errors';
import { CommandIo } from './io';
import { CodeStarOperation, loadModel } from '../local/model';
import { LifecycleRunner, PredictedRecord, PreviewResource, StackPreview, UNKNOWN_VALUE } from '../local/runner';
import type { ResourceState } from '../local/runner';
import { redactSensitive } from '../local/shapes';
import { canonicalJson } from '../private/canonical-json';
import { PROJECT_RESOURCE_TYPE, ProjectAttributes, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../private/contract';
import { isProjectId, isUserArn } from '../private/identifiers';
import { formatTeamMemberId, parseTeamMemberId, parseUserProfileId } from '../private/physical-ids';
import { planProjectUpdate, planTeamMemberUpdate, planUserProfileUpdate, projectProgress, ProjectState } from '../private/plans';
import { deleteProjectToken, membershipToken, projectToken } from '../private/tokens';

export const PLAN_USAGE = `Usage: cdk-codestar plan [ASSEMBLY] [options]

What deploying the stacks of a cloud assembly (the cdk.out of your \`cdk synth\`) will do to CodeStar,
per CodeStar resource, compared with what \`cdk-codestar deploy\` deployed (${STATE_FILE}) and with
the account the SDK's settings point at (AWS_ENDPOINT_URL_CODESTAR for a local endpoint): no change,
create, adopt, update (with the exact CodeStar calls, from the handler's own planners), replace (the
old project is deleted, and CodeStar can never create it again), delete, retain, or fail (why the
deploy will fail). It makes only Describe and List calls. Sensitive values print as ***.
The stacks are planned in deploy order, each with the exports the stacks before it will have
(values known only after the deploy print as "${UNKNOWN_VALUE}"); the deploy stops at the first stack
that fails, so the stacks after it are skipped. An existing user profile identical to the declared
one, without adopt, is "no change": used as it is, not the stack's own, and never deleted.
Exit code 0 when the plan was made, 1 when it could not be, 2 for a wrong command line.

Arguments:
  ASSEMBLY              the cloud assembly directory                 (default: cdk.out)

Options:
  --stack <name>        plan only this stack (repeatable)            (default: all stacks)
  --json                print the plan as JSON on stdout
  --account <account>   account of environment-agnostic stacks       (default: 123456789012)
  --region <region>     region of environment-agnostic stacks        (default: AWS_REGION, else us-east-1)
  --cloudformation      compare with the stacks CloudFormation deployed (DescribeStacks, GetTemplate,
                        ListStackResources; AWS_ENDPOINT_URL_CLOUDFORMATION for a local stand-in)
                        instead of what \`cdk-codestar deploy\` deployed
  --debug               print the stack trace of an unexpected error
  -h, --help            print this help
`;

export type PlannedAction = 'no-change' | 'create' | 'adopt' | 'update' | 'replace' | 'delete' | 'retain' | 'fail' | 'not-reached';

/** A mutating CodeStar call the deploy will make (and that will succeed), its input as the endpoint logs it. */
export interface PlannedCall {
  readonly operation: CodeStarOperation;
  readonly input: Record<string, unknown>;
}

export interface PlannedResource {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly action: PlannedAction;
  /** In the order the deploy makes them (a replacement's deletion of the old resource last, in cleanup). */
  readonly calls: readonly PlannedCall[];
  /** What the reader should know: why a deploy will fail, what is left alone, what cannot come back. */
  readonly notes: readonly string[];
}

export interface StackPlan {
  readonly stackName: string;
  readonly isNew: boolean;
  /** The template cannot be deployed: why. */
  readonly error?: string;
  readonly resources: readonly PlannedResource[];
}

const ACTION_LABELS: Readonly<Record<PlannedAction, string>> = {
  'no-change': 'no change',
  'create': 'create',
  'adopt': 'adopt',
  'update': 'update',
  'replace': 'REPLACE',
  'delete': 'delete',
  'retain': 'retain',
  'fail': 'FAIL',
  'not-reached': 'skipped',
};

/** `cdk-codestar plan`: answers the exit code. */
export async function planCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandLine(argv, {
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      debug: { type: 'boolean' },
      stack: { type: 'string', multiple: true },
      account: { type: 'string' },
      region: { type: 'string' },
      cloudformation: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const values = parsed.values as { help?: boolean; json?: boolean; stack?: string[]; account?: string; region?: string; cloudformation?: boolean };
  if (values.help === true) {
    io.out(PLAN_USAGE);
    return EXIT.ok;
  }
  if (parsed.positionals.length > 1) {
    throw new UsageError(`one assembly directory at most, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  const assembly = parsed.positionals[0] ?? 'cdk.out';
  const options = { stacks: values.stack, account: accountArgument(values.account), region: values.region ?? io.env.AWS_REGION };
  const plans = values.cloudformation === true
    ? await withStateFile(await stacksFromCloudFormation(io, assemblyStacks(io, assembly, values.stack).map(s => s.stackName)),
      stateFile => planAssembly(io, assembly, { ...options, stateFile }))
    : await planAssembly(io, assembly, options);
  if (values.json === true) {
    io.out(JSON.stringify({ stacks: plans }, undefined, 2));
  } else {
    plans.forEach(plan => printPlan(plan, io));
  }
  return EXIT.ok;
}

export interface PlanOptions {
  readonly stacks?: readonly string[];
  readonly account?: string;
  readonly region?: string;
  /** What is deployed: a runner state file. @default `.cdk-codestar/state.json` in the working directory */
  readonly stateFile?: string;
}

/** The plan of every stack of the assembly (or of those named), in the assembly's deploy order. */
export async function planAssembly(
  io: CommandIo, assembly: string, options: PlanOptions = {},
): Promise<StackPlan[]> {
  const stacks = assemblyStacks(io, assembly, options.stacks);
  // A preview reports nothing itself: the plan is this command's only output.
  const runner = new LifecycleRunner({
    stateFile: options.stateFile ?? path.join(io.cwd, STATE_FILE), account: options.account, region: options.region, writer: () => undefined,
  });
  const reader = CodeStarReader.fromEnvironment(io.env);
  const forecast: Forecast = { creating: new Set(), deleted: new Set() };
  // The exports each stack planned so far will have: a stack deployed after it imports them (in memory only).
  const exports: Record<string, Readonly<Record<string, string>>> = {};
  const plans: StackPlan[] = [];
  let failedStack: string | undefined;
  for (const stack of stacks) {
    const planned: PlannedResource[] = [];
    // Tokens derive from the deployed stack's id; a new stack's is made when it is created.
    const planner = new ResourcePlanner(reader, runner.readState().stacks[stack.stackName]?.stackId, forecast);
    const preview = await runner.preview(stack, async resource => {
      const { record, predicted } = await planner.plan(resource);
      planned.push(record);
      return predicted;
    }, { exports });
    for (const { logicalId, record } of preview.removed) {
      planned.push(await planner.removal(logicalId, record));
    }
    const plan = stackPlan(preview, planned);
    if (failedStack !== undefined) {
      // The deploy stopped at an earlier stack.
      const note = `not reached: the deploy stops at stack ${failedStack}, which fails`;
      plans.push({ ...plan, error: undefined, resources: plan.resources.map(r => ({ ...r, action: 'not-reached', calls: [], notes: [note] })) });
      continue;
    }
    plans.push(plan);
    if (plan.error !== undefined || plan.resources.some(r => r.action === 'fail')) {
      failedStack = plan.stackName;
      continue;
    }
    exports[plan.stackName] = preview.exports;
    // Gone (the deploy waits for that) before the next stack is deployed.
    plan.resources.flatMap(r => r.calls).filter(c => c.operation === 'DeleteProject').forEach(c => forecast.deleted.add(String(c.input.id)));
  }
  return plans;
}

/**
 * The stack's plan: its template's resources then its removals, what the deploy does not reach
 * after a failure, and the stack's own failure when no resource fails before it.
 */
function stackPlan(preview: StackPreview, planned: readonly PlannedResource[]): StackPlan {
  const isNew = preview.stackId === undefined;
  const resources = stopAtFailure(planned, preview.resources.length);
  if (resources.some(r => r.action === 'fail') || preview.error === undefined) {
    return { stackName: preview.stackName, isNew, resources };
  }
  // Outputs resolve once every resource is deployed: the deploy rolls back, and cleans up nothing.
  const note = 'not reached: the deploy fails at the stack\'s Outputs and rolls back';
  return {
    stackName: preview.stackName,
    isNew,
    error: preview.error,
    resources: resources.map((r, i) => i < preview.resources.length ? r : { ...r, action: 'not-reached', calls: [], notes: [note] }),
  };
}

/**
 * The deploy stops at its first failing resource and rolls back: what comes after it (in deploy
 * order, then the cleanup of removed resources) is not reached. The first `deployed` records are
 * the template's resources; the rest are removals.
 */
function stopAtFailure(planned: readonly PlannedResource[], deployed: number): PlannedResource[] {
  const failed = planned.findIndex((r, i) => i < deployed && r.action === 'fail');
  if (failed < 0) {
    return [...planned];
  }
  const note = `not reached: the deploy fails at ${planned[failed].logicalId} and rolls back what it did before`;
  return planned.map((r, i) => i <= failed ? r : { ...r, action: 'not-reached', calls: [], notes: [note] });
}

/** Bool as CloudFormation delivers it: the string 'true' (or a boolean, from a hand-made template). */
function flag(value: unknown): boolean {
  return value === true || value === 'true';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isUnknown(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes(UNKNOWN_VALUE);
}

function isRetain(policy: string | undefined): boolean {
  return policy === 'Retain' || policy === 'RetainExceptOnCreate';
}

/** The call as the local endpoint logs it: absent members dropped, sensitive ones masked. */
function call(operation: CodeStarOperation, input: object): PlannedCall {
  const plain = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  return { operation, input: redactSensitive(plain, loadModel().operations[operation].input) as Record<string, unknown> };
}

interface Outcome {
  readonly record: PlannedResource;
  readonly predicted?: PredictedRecord;
}

interface Step {
  readonly action: PlannedAction;
  readonly calls: PlannedCall[];
  readonly notes: string[];
  readonly physicalResourceId?: string;
  /** The attributes it will answer, when they are not those its properties predict (see predictedData). */
  readonly data?: Record<string, unknown>;
}

/**
 * What the deploy will have done to the account by the time it reaches a resource, which the
 * account does not show yet: the projects it creates (for any stack after them too), and the
 * projects that stacks deployed before delete in their cleanup (gone by then).
 */
interface Forecast {
  readonly creating: Set<string>;
  readonly deleted: Set<string>;
}

/**
 * Mirrors each handler's decisions (lambda/project.ts, team-member.ts, user-profile.ts) on what is
 * there, with the handler's own planners, tokens and physical ids (src/private): the calls are
 * those the deploy will make. `stackId` is the deployed stack's (undefined for a new stack, which
 * owns nothing yet); `forecast` is shared by the planners of one deploy's stacks.
 */
class ResourcePlanner {
  constructor(private readonly reader: CodeStarReader, private readonly stackId: string | undefined, private readonly forecast: Forecast) {}

  public async plan(resource: PreviewResource): Promise<Outcome> {
    const { logicalId, type, properties, before } = resource;
    const done = (step: Step, predicted?: PredictedRecord): Outcome => ({
      record: { logicalId, resourceType: type, action: step.action, calls: step.calls, notes: step.notes },
      predicted,
    });
    if (resource.error !== undefined) {
      return done({ action: 'fail', calls: [], notes: [`the deploy fails at it: ${resource.error}`] });
    }
    if (before !== undefined && canonicalJson(before.properties) === canonicalJson(properties)) {
      return done({ action: 'no-change', calls: [], notes: [] }, { physicalResourceId: before.physicalResourceId, data: before.data });
    }
    if (isUnknown(properties)) {
      return done({
        action: before === undefined ? 'create' : 'update',
        calls: [],
        notes: ['depends on a resource this deploy creates or replaces: its calls are known only then'],
      });
    }
    const step = await this.step(type, logicalId, properties, before);
    if (step.action === 'replace' && before !== undefined) {
      // The old physical resource goes in cleanup, by the new template's UpdateReplacePolicy.
      const old = await this.deletion(type, logicalId, before, resource.updateReplacePolicy);
      step.calls.push(...old.calls);
      step.notes.push(...old.notes.map(note => `the old one: ${note}`));
    }
    const predicted = step.physicalResourceId === undefined || step.action === 'fail'
      ? undefined
      : { physicalResourceId: step.physicalResourceId, data: step.data ?? predictedData(type, properties) };
    return done(step, predicted);
  }

  /** A deployed resource the template no longer holds: deleted in cleanup unless its DeletionPolicy retains it. */
  public async removal(logicalId: string, record: ResourceState): Promise<PlannedResource> {
    const step = await this.deletion(record.type, logicalId, record, record.deletionPolicy);
    return { logicalId, resourceType: record.type, action: step.action, calls: step.calls, notes: step.notes };
  }

  private step(type: string, logicalId: string, properties: Record<string, unknown>, before?: ResourceState): Promise<Step> {
    switch (type) {
      case PROJECT_RESOURCE_TYPE: return this.project(logicalId, properties, before);
      case TEAM_MEMBER_RESOURCE_TYPE: return this.teamMember(logicalId, properties, before);
      case USER_PROFILE_RESOURCE_TYPE: return this.userProfile(properties, before);
      default: return Promise.resolve({ action: 'fail', calls: [], notes: [`${type} is not a CodeStar resource type`] });
    }
  }

  private deletion(type: string, logicalId: string, record: ResourceState, policy: string | undefined): Promise<Step> {
    if (isRetain(policy)) {
      return Promise.resolve({ action: 'retain', calls: [], notes: [`${policy}: left in the account, no longer managed by the stack`] });
    }
    switch (type) {
      case PROJECT_RESOURCE_TYPE: return this.projectDeletion(logicalId, record);
      case TEAM_MEMBER_RESOURCE_TYPE: return this.teamMemberDeletion(record);
      case USER_PROFILE_RESOURCE_TYPE: return this.userProfileDeletion(record);
      default: return Promise.resolve({ action: 'delete', calls: [], notes: [] });
    }
  }

  // ---- projects (lambda/project.ts) --------------------------------------------------------------

  private async project(logicalId: string, properties: Record<string, unknown>, before?: ResourceState): Promise<Step> {
    const desired = projectState(properties);
    if (before !== undefined && before.physicalResourceId === desired.id) {
      // The properties differ (timeoutSeconds or deletionProtection alone, too): an Update is
      // delivered, and its wait describes the project, which may have gone or failed outside CDK.
      const wait = projectWait('Update', desired.id, await this.liveProject(desired.id));
      if (wait.failure !== undefined) {
        return { action: 'fail', calls: [], notes: [wait.failure] };
      }
      const notes = creationInputsChanged(before.properties, properties)
        ? ['sourceCode or toolchain changed: they apply only when a project is created, so the change is not applied'] : [];
      notes.push(...wait.notes);
      const calls = planProjectUpdate(projectState(before.properties), desired).map(c => call(c.operation, c.input));
      return { action: calls.length === 0 ? 'no-change' : 'update', calls, notes, physicalResourceId: desired.id, data: before.data };
    }
    // A new resource, or a new project id: the handler creates (or recognises) that project.
    const replacing = before !== undefined;
    const live = await this.liveProject(desired.id);
    const token = this.stackId === undefined ? undefined : projectToken({ stackId: this.stackId, logicalResourceId: logicalId }, desired.id);
    const create = call('CreateProject', {
      id: desired.id,
      name: desired.name,
      description: desired.description,
      clientRequestToken: token ?? UNKNOWN_VALUE,
      sourceCode: properties.sourceCode,
      toolchain: properties.toolchain,
      tags: desired.tags,
    });
    if (live === undefined) {
      this.forecast.creating.add(desired.id);
      return {
        action: replacing ? 'replace' : 'create',
        calls: [create],
        notes: ['CodeStar has created no new projects since 2024-07-31: on AWS this CreateProject fails'],
        physicalResourceId: desired.id,
      };
    }
    const own = token !== undefined && live.clientRequestToken === token;
    if (!own && !flag(properties.adopt)) {
      return {
        action: 'fail',
        calls: [],
        notes: [`project ${desired.id} already exists and is not this resource's own creation: the deploy fails and leaves it unchanged (set adopt: true to manage it)`],
      };
    }
    // Recognised or adopted, the project is then waited on as it is.
    const wait = projectWait(replacing ? 'Update' : 'Create', desired.id, live);
    if (wait.failure !== undefined) {
      return { action: 'fail', calls: [], notes: [wait.failure] };
    }
    const calls = [
      // A repeat of this resource's own token is answered with success.
      ...(own ? [create] : []),
      ...planProjectUpdate(liveProjectState(live), desired).map(c => call(c.operation, c.input)),
    ];
    const notes = own ? ['the project exists and is this resource\'s own creation: recognised'] : ['an existing project, taken over (adopt: true)'];
    if (!own && (properties.sourceCode !== undefined || properties.toolchain !== undefined)) {
      notes.push('sourceCode and toolchain apply only to a project the handler creates: not applied');
    }
    notes.push(...wait.notes);
    return { action: replacing ? 'replace' : own ? 'create' : 'adopt', calls, notes, physicalResourceId: desired.id, data: liveProjectData(live) };
  }

  /** The project as the deploy will find it: none when a stack deployed before deletes it. */
  private liveProject(id: string): Promise<LiveProject | undefined> {
    return this.forecast.deleted.has(id) && !this.forecast.creating.has(id) ? Promise.resolve(undefined) : this.reader.project(id);
  }

  /** The project's team as the deploy will find it, or undefined when the project will not exist. */
  private liveMembers(projectId: string): Promise<LiveTeamMember[] | undefined> {
    if (this.forecast.creating.has(projectId)) {
      // A new project's team starts empty. Not quite: CodeStar makes the caller that creates a
      // project its Owner. That is right on AWS, where the handler's caller is its execution role,
      // no IAM user (a team member is always one); the local endpoint's caller (callerUserArn) is an
      // IAM user, so a member declared for that very user is planned as associated, not adopted.
      return Promise.resolve([]);
    }
    return this.forecast.deleted.has(projectId) ? Promise.resolve(undefined) : this.reader.teamMembers(projectId);
  }

  private async projectDeletion(logicalId: string, record: ResourceState): Promise<Step> {
    const id = record.physicalResourceId;
    if (!isProjectId(id)) {
      return { action: 'delete', calls: [], notes: ['no project behind its physical id: nothing to delete'] };
    }
    const live = await this.liveProject(id);
    if (live === undefined) {
      // The handler waits for it to be gone: no call.
      return { action: 'delete', calls: [], notes: [`project ${id} no longer exists`] };
    }
    const resource = { stackId: this.stackId ?? '', logicalResourceId: logicalId };
    const own = live.clientRequestToken === projectToken(resource, id);
    if (!own && !flag(record.properties.adopt)) {
      return { action: 'retain', calls: [], notes: [`project ${id} is not this stack's own creation: left untouched`] };
    }
    if (live.state === 'DeleteInProgress' || live.state === 'DeleteComplete') {
      return { action: 'delete', calls: [], notes: [`project ${id} is already being deleted`] };
    }
    const failed = live.state === 'CreateFailed';
    if (flag(record.properties.deletionProtection) && !failed) {
      // A Delete that fails in cleanup is a warning: the stack completes, and the project is left unmanaged.
      return {
        action: 'retain',
        calls: [],
        notes: [`project ${id} has deletion protection: the handler refuses to delete it (its Delete fails in cleanup, a warning), `
          + 'so it stays in the account, no longer managed by the stack'],
      };
    }
    return {
      action: 'delete',
      calls: [call('DeleteProject', {
        id,
        deleteStack: failed || flag(record.properties.deleteStack),
        clientRequestToken: deleteProjectToken(resource, id, live),
      })],
      notes: [`project ${id} is deleted: CodeStar can never create it again`],
    };
  }

  // ---- team members (lambda/team-member.ts) ------------------------------------------------------

  private async teamMember(logicalId: string, properties: Record<string, unknown>, before?: ResourceState): Promise<Step> {
    const desired = {
      projectId: text(properties.projectId) ?? '',
      userArn: text(properties.userArn) ?? '',
      projectRole: text(properties.projectRole) ?? '',
      remoteAccessAllowed: properties.remoteAccessAllowed === undefined ? undefined : flag(properties.remoteAccessAllowed),
    };
    const id = before === undefined ? undefined : parseTeamMemberId(before.physicalResourceId);
    if (before !== undefined && id !== undefined && id.projectId === desired.projectId && id.userArn === desired.userArn) {
      const old = { projectRole: text(before.properties.projectRole) ?? '', remoteAccessAllowed: flag(before.properties.remoteAccessAllowed) };
      const update = planTeamMemberUpdate(old, desired);
      return {
        action: update === undefined ? 'no-change' : 'update',
        calls: update === undefined ? [] : [call('UpdateTeamMember', update)],
        notes: [],
        physicalResourceId: before.physicalResourceId,
      };
    }
    const replacing = before !== undefined;
    const members = await this.liveMembers(desired.projectId);
    if (members === undefined) {
      return { action: 'fail', calls: [], notes: [`project ${desired.projectId} does not exist: AssociateTeamMember fails`] };
    }
    const existing = members.find(m => m.userArn === desired.userArn);
    if (existing === undefined) {
      const token = this.stackId === undefined
        ? UNKNOWN_VALUE
        : membershipToken({ stackId: this.stackId, logicalResourceId: logicalId }, desired.projectId, desired.userArn);
      return {
        action: replacing ? 'replace' : 'create',
        calls: [call('AssociateTeamMember', { ...desired, clientRequestToken: token })],
        notes: [],
        physicalResourceId: formatTeamMemberId(desired),
      };
    }
    // An existing membership answers TeamMemberAlreadyAssociatedException: adopted, converged, and restored on delete.
    const adopted = { projectRole: existing.projectRole, remoteAccessAllowed: existing.remoteAccessAllowed };
    const update = planTeamMemberUpdate(adopted, desired);
    return {
      action: replacing ? 'replace' : 'adopt',
      calls: update === undefined ? [] : [call('UpdateTeamMember', update)],
      notes: [`the user is already a member (${existing.projectRole}): adopted, and restored to that when the resource is deleted`],
      physicalResourceId: formatTeamMemberId({ ...desired, adopted }),
    };
  }

  private async teamMemberDeletion(record: ResourceState): Promise<Step> {
    const id = parseTeamMemberId(record.physicalResourceId);
    if (id === undefined) {
      return { action: 'delete', calls: [], notes: ['no membership behind its physical id: nothing to delete'] };
    }
    const members = await this.liveMembers(id.projectId);
    if (members === undefined) {
      // Any call fails with ProjectNotFoundException, which the handler takes as done.
      return { action: 'delete', calls: [], notes: [`project ${id.projectId} no longer exists: nothing to delete`] };
    }
    const current = members.find(m => m.userArn === id.userArn);
    if (id.adopted !== undefined) {
      if (current === undefined) {
        // UpdateTeamMember fails with TeamMemberNotFoundException, which the handler takes as done.
        return { action: 'delete', calls: [], notes: ['the membership no longer exists: nothing to restore'] };
      }
      return {
        action: 'delete',
        calls: [call('UpdateTeamMember', { projectId: id.projectId, userArn: id.userArn, ...id.adopted })],
        notes: [`the membership existed before the stack adopted it: restored to ${id.adopted.projectRole}, not removed`],
      };
    }
    return {
      action: 'delete',
      calls: [call('DisassociateTeamMember', { projectId: id.projectId, userArn: id.userArn })],
      // CodeStar answers a user who is no member with success.
      notes: current === undefined ? ['the membership no longer exists: DisassociateTeamMember is sent all the same, and succeeds'] : [],
    };
  }

  // ---- user profiles (lambda/user-profile.ts) ----------------------------------------------------

  private async userProfile(properties: Record<string, unknown>, before?: ResourceState): Promise<Step> {
    const desired = {
      userArn: text(properties.userArn) ?? '',
      displayName: text(properties.displayName) ?? '',
      emailAddress: text(properties.emailAddress) ?? '',
      sshPublicKey: text(properties.sshPublicKey),
      adopt: flag(properties.adopt),
    };
    const id = before === undefined ? undefined : parseUserProfileId(before.physicalResourceId);
    if (before !== undefined && id !== undefined && id.userArn === desired.userArn) {
      // A profile that is not ours is compared with what it is, not with what was declared before.
      const current = id.existing ? await this.reader.userProfile(desired.userArn) : {
        displayName: text(before.properties.displayName) ?? '',
        emailAddress: text(before.properties.emailAddress) ?? '',
        sshPublicKey: text(before.properties.sshPublicKey) ?? '',
      };
      if (current === undefined) {
        return { action: 'fail', calls: [], notes: ['the profile no longer exists: DescribeUserProfile fails'] };
      }
      return this.converge(desired, id.existing, current, 'update', before.physicalResourceId);
    }
    const replacing = before !== undefined;
    const live = await this.reader.userProfile(desired.userArn);
    if (live === undefined) {
      return {
        action: replacing ? 'replace' : 'create',
        calls: [call('CreateUserProfile', { userArn: desired.userArn, displayName: desired.displayName, emailAddress: desired.emailAddress, sshPublicKey: desired.sshPublicKey })],
        notes: [],
        physicalResourceId: desired.userArn,
      };
    }
    // Identical and not adopted, it is used as it is: 'no change' (no other label says that better).
    const step = this.converge(desired, true, live, replacing ? 'replace' : desired.adopt ? 'adopt' : 'no-change', `${desired.userArn}|existing`);
    step.notes.unshift(step.action === 'no-change'
      ? 'a profile exists already, identical: used as it is, not this stack\'s own, never deleted'
      : 'a profile exists already: it is not this resource\'s own creation');
    return step;
  }

  private converge(
    desired: Parameters<typeof planUserProfileUpdate>[1], existing: boolean, current: Parameters<typeof planUserProfileUpdate>[0],
    action: PlannedAction, physicalResourceId: string,
  ): Step {
    const update = planUserProfileUpdate(current, desired);
    if (update === undefined) {
      return { action: action === 'update' ? 'no-change' : action, calls: [], notes: [], physicalResourceId };
    }
    if (existing && desired.adopt !== true) {
      return { action: 'fail', calls: [], notes: ['the existing profile differs and the resource does not declare adopt: the deploy fails and leaves it unchanged'] };
    }
    return { action, calls: [call('UpdateUserProfile', update)], notes: [], physicalResourceId };
  }

  private async userProfileDeletion(record: ResourceState): Promise<Step> {
    const id = parseUserProfileId(record.physicalResourceId);
    if (id === undefined) {
      return { action: 'delete', calls: [], notes: ['no profile behind its physical id: nothing to delete'] };
    }
    if (id.existing && !flag(record.properties.adopt)) {
      return { action: 'retain', calls: [], notes: ['the profile is not this stack\'s own creation: left untouched'] };
    }
    // CodeStar answers DeleteUserProfile of a missing profile with success.
    const gone = await this.reader.userProfile(id.userArn) === undefined;
    return {
      action: 'delete',
      calls: [call('DeleteUserProfile', { userArn: id.userArn })],
      notes: gone ? ['the profile no longer exists: DeleteUserProfile is sent all the same, and succeeds'] : [],
    };
  }
}

function projectState(properties: Record<string, unknown>): ProjectState {
  return {
    id: text(properties.id) ?? '',
    name: text(properties.name) ?? '',
    description: text(properties.description),
    tags: properties.tags as Record<string, string> | undefined,
  };
}

function liveProjectState(live: LiveProject): ProjectState {
  return { id: live.id, name: live.name, description: live.description, tags: live.tags };
}

/** The attributes the handler answers for a project it finds (projectData in lambda/project.ts). */
function liveProjectData(live: LiveProject): Record<string, unknown> {
  return {
    [ProjectAttributes.ID]: live.id,
    [ProjectAttributes.ARN]: live.arn,
    [ProjectAttributes.STACK_ID]: live.stackId ?? '',
    [ProjectAttributes.PROJECT_TEMPLATE_ID]: live.projectTemplateId ?? '',
  };
}

/**
 * What the handler's wait on a Create or Update (isComplete) makes of the project as the deploy
 * will find it: why the deploy fails, or what it waits for.
 */
function projectWait(requestType: 'Create' | 'Update', id: string, live: LiveProject | undefined): { failure?: string; notes: string[] } {
  if (live === undefined) {
    return { failure: `project ${id} no longer exists (deleted outside the stack): the deploy fails (Project ${id} no longer exists)`, notes: [] };
  }
  const state = live.state;
  switch (projectProgress(requestType, state)) {
    case 'Failed':
      return { failure: `project ${id} is ${state}: the deploy fails (Project ${id} ${state})`, notes: [] };
    case 'Deleted':
      return { failure: `project ${id} is being deleted: the deploy fails (Project ${id} is being deleted (${state}))`, notes: [] };
    case 'InProgress':
      return { notes: [`project ${id} is ${state ?? 'in progress'}: the deploy waits for it (and fails if it does not complete within its timeout)`] };
    case 'Complete':
      return { notes: [] };
  }
}

function creationInputsChanged(old: Record<string, unknown>, desired: Record<string, unknown>): boolean {
  return canonicalJson({ s: old.sourceCode, t: old.toolchain }) !== canonicalJson({ s: desired.sourceCode, t: desired.toolchain });
}

/** The attributes a resource will answer (see projectData and the other handlers' Data): from its properties. */
function predictedData(type: string, properties: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case PROJECT_RESOURCE_TYPE:
      // Of a project the handler creates, Arn, StackId and ProjectTemplateId are CodeStar's to say.
      return { Id: properties.id, Arn: UNKNOWN_VALUE, StackId: UNKNOWN_VALUE, ProjectTemplateId: UNKNOWN_VALUE };
    case TEAM_MEMBER_RESOURCE_TYPE:
      return { ProjectId: properties.projectId, UserArn: properties.userArn };
    default:
      return { UserArn: properties.userArn };
  }
}

function printPlan(plan: StackPlan, io: CommandIo): void {
  io.out(`${plan.stackName}${plan.isNew ? ' (new stack)' : ''}`);
  if (plan.error !== undefined) {
    io.out(`  the template cannot be deployed: ${plan.error}`);
    return;
  }
  const changes = plan.resources.filter(r => r.action !== 'no-change');
  if (changes.length === 0) {
    io.out(`  no change to CodeStar (${plan.resources.length} resource${plan.resources.length === 1 ? '' : 's'})`);
    return;
  }
  for (const resource of plan.resources) {
    io.out(`  ${ACTION_LABELS[resource.action].padEnd(9)} ${resource.logicalId} (${resource.resourceType})`);
    for (const c of resource.calls) {
      io.out(`      ${c.operation} ${JSON.stringify(maskUsers(c.input))}`);
    }
    for (const note of resource.notes) {
      io.out(`      - ${note}`);
    }
  }
  const counts = Object.entries(countBy(plan.resources.map(r => r.action))).map(([action, n]) => `${n} ${ACTION_LABELS[action as PlannedAction]}`);
  const calls = plan.resources.reduce((n, r) => n + r.calls.length, 0);
  const fails = plan.resources.some(r => r.action === 'fail');
  io.out(`  ${counts.join(', ')}; ${fails ? 'the deploy fails' : calls === 0 ? 'no CodeStar call changes anything' : `${calls} CodeStar call${calls === 1 ? '' : 's'}`}`);
}

/** IAM user names are personal data: the printed plan shows an ARN's account, not its user. */
function maskUsers(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, typeof v === 'string' && isUserArn(v) ? v.replace(/:user\/.*$/, ':user/***') : v]));
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  values.forEach(v => { counts[v] = (counts[v] ?? 0) + 1; });
  return counts;
}
