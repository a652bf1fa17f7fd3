import { randomInt, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { canonicalJson } from '../private/canonical-json';
import { PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../private/contract';
import { loadCloudAssembly } from './cfn/assembly';
import { evaluateCondition, IntrinsicContext, ResolveError, resolveValue } from './cfn/intrinsics';
import { simulate, simulatedAttribute, SimulationEnv } from './cfn/simulated';
import { CfnResource, CfnTemplate, dependsOnList, referencedNames, resourceDependencies, topologicalOrder } from './cfn/template';
import { loadModel } from './model';
import { DeployedCode, deployedFunction, objectKeyOf } from './runner/deployed-code';
import { FunctionModule, isFunctionModule, localResponseUrl, runFunction } from './runner/function';
import { logLinesSince, logSize } from './runner/function-logs';
export { localLambdaEndpoint } from './runner/function';
import {
  CustomResourceEvent, fakeResponseUrl, functionNameOf, HandlerModule, InvocationCount, loadHandlerModule, ProviderOutcome, RequestType, runProvider,
} from './runner/provider';
import { Reporter, ResourceEventRecord, ResourceStatus } from './runner/reporter';
import { ResourceState, RunnerState, StackState, StateFile } from './runner/state';
import { collectSensitiveStrings } from './shapes';

export { loadCloudAssembly } from './cfn/assembly';
export type { AssemblyStack } from './cfn/assembly';
export type { CfnTemplate, CfnResource } from './cfn/template';
export { CREATE_FAILED_MARKER, loadHandlerModule } from './runner/provider';
export type { FunctionModule } from './runner/function';
export type {
  CustomResourceEvent, HandlerModule, IsCompleteResponse, LambdaContext, OnEventResponse, ProviderOutcome, RequestType,
} from './runner/provider';
export type { ResourceEventRecord, ResourceStatus } from './runner/reporter';
export type { ResourceState, RunnerState, StackState } from './runner/state';

/** Resource types driven through the handler; everything else is simulated. */
export const CODESTAR_RESOURCE_TYPES: readonly string[] = [PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE];

/** The handler bundle (`assets/handler/index.js`), relative to src/local and lib/local alike. */
export const DEFAULT_HANDLER_FILE = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');

export const DEFAULT_STATE_FILE = path.join('.cdk-codestar-local', 'state.json');

/** The invocation time limit of a handler the template has no function for (Lambda's own limit is 900 s). */
const DEFAULT_LAMBDA_TIMEOUT_MS = 300_000;

/** How often the status of a request a function is working on is refreshed (it shows whole seconds). */
const STATUS_TICK_MS = 1000;

/** The most lines of a function's log a failed request shows. */
const FAILURE_LOG_LINES = 20;

/** The API operation whose input members a resource type's properties are (for sensitive values). */
const MODEL_OPERATION_OF_TYPE: Readonly<Record<string, 'CreateProject' | 'AssociateTeamMember' | 'CreateUserProfile'>> = {
  [PROJECT_RESOURCE_TYPE]: 'CreateProject',
  [TEAM_MEMBER_RESOURCE_TYPE]: 'AssociateTeamMember',
  [USER_PROFILE_RESOURCE_TYPE]: 'CreateUserProfile',
};

export interface LifecycleRunnerOptions {
  /** Where deployed state is kept between runs. @default `.cdk-codestar-local/state.json` in the working directory */
  readonly stateFile?: string;
  /**
   * The handler module (a file, or the module itself). A module that exports `handler` is a
   * function that answers CloudFormation itself (the library's provider): it is invoked as
   * CloudFormation and Lambda invoke it, and answers at its ResponseURL. A module with only
   * onEvent (and isComplete) is run through an emulation of aws-cdk-lib's Provider framework.
   * Given, it serves every request, in place of the functions' own code.
   * @default the code of the function the resource's ServiceToken names, as the cloud assembly
   * staged it when the function was deployed (kept in a `code` folder next to the state file);
   * DEFAULT_HANDLER_FILE where there is none (a stack not read from a cloud assembly)
   */
  readonly handler?: string | HandlerModule | FunctionModule;
  /** Region of environment-agnostic stacks. @default 'us-east-1' */
  readonly region?: string;
  /** Account of environment-agnostic stacks. @default '123456789012' */
  readonly account?: string;
  /** Shortcut for `environment.AWS_ENDPOINT_URL_CODESTAR`: where the handler's SDK sends CodeStar calls. */
  readonly codeStarEndpoint?: string;
  /**
   * Lambda environment variables for the handler, set on process.env during each invocation. Fake
   * credentials (AWS_ACCESS_KEY_ID etc.) and AWS_REGION are always set, as Lambda does, unless given here.
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Between isComplete polls (the Provider's queryInterval; Provider framework emulation only). @default 5000 */
  readonly pollIntervalMs?: number;
  /** The Provider's totalTimeout: isComplete is polled at most ceil(total / interval) times (Provider framework emulation only). @default 1800000 */
  readonly totalTimeoutMs?: number;
  /**
   * Each invocation fails with "Task timed out" after this long; getRemainingTimeInMillis counts
   * down from it. @default the Timeout of the function the ServiceToken names, when the runner
   * runs that function's code; 300000 otherwise (a `handler` given, or no such function)
   */
  readonly lambdaTimeoutMs?: number;
  /**
   * Lambda's delays before it retries a failed asynchronous invocation of a function that answers
   * CloudFormation itself (twice, after 1 and 2 minutes, on AWS). @default [60000, 120000]
   */
  readonly asyncRetryDelaysMs?: readonly number[];
  /**
   * A progress line every this many incomplete polls (Provider framework emulation; a function
   * that answers CloudFormation itself gets one per invocation after the first). @default 6
   */
  readonly progressEveryPolls?: number;
  /** Deliver requests twice with the same RequestId (all, or those the function picks) to prove idempotency. @default false */
  readonly redeliver?: boolean | ((event: CustomResourceEvent) => boolean);
  /** Template parameter values (else their defaults). */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Resource types driven through the handler. @default CODESTAR_RESOURCE_TYPES */
  readonly resourceTypes?: readonly string[];
  /** Receives each output line. @default process.stdout */
  readonly writer?: (line: string) => void;
  /**
   * Receives the work in progress as one scrubbed line (a resource in progress; a request being
   * waited for, on every poll, or each second while a function that answers CloudFormation itself
   * runs), or undefined once nothing is: for a live status display, since the
   * lines `writer` receives are complete without it. @default none
   */
  readonly status?: (text: string | undefined) => void;
  /**
   * How a stack update rollback treats a resource that the update replaced (its Update answered a
   * new physical id), when a later resource fails:
   * - `'delete'`: what AWS documents (knowledge center, "best practices for custom resources"): no
   *   Update; the new physical id gets a Delete with the new properties, and the resource goes
   *   back to its old record (old physical id, properties and data).
   * - `'update-then-delete'`: reported in the field: first an Update to the new physical id with
   *   ResourceProperties = the old properties and OldResourceProperties = the new ones, then the same
   *   Delete. The record afterwards is the old one whatever physical id that Update answered; an
   *   answer other than the old physical id is a warning (a second replacement nobody cleans up). A
   *   failed rollback Update fails the rollback (UPDATE_ROLLBACK_FAILED) and nothing is deleted.
   * @default 'delete'
   */
  readonly replacementRollback?: ReplacementRollback;
}

export type ReplacementRollback = 'delete' | 'update-then-delete';

/** A stack to deploy: an assembly stack, or any template with a name. */
export interface StackInput {
  readonly stackName: string;
  readonly template: CfnTemplate;
  readonly region?: string;
  readonly account?: string;
  readonly dependencies?: readonly string[];
  /** The stack id when the stack is not deployed yet. @default a new `arn:aws:cloudformation:...:stack/<name>/<uuid>` */
  readonly stackId?: string;
  /** The stack's file assets, object key to staged source (`loadCloudAssembly` reads them): its functions' code. */
  readonly assets?: Readonly<Record<string, string>>;
}

export interface StackResult {
  readonly stackName: string;
  /** The stack id the stack operation used (also when the stack is gone afterwards, as after ROLLBACK_COMPLETE). */
  readonly stackId: string;
  readonly success: boolean;
  /**
   * CREATE_COMPLETE, UPDATE_COMPLETE, ROLLBACK_COMPLETE, ROLLBACK_FAILED, UPDATE_ROLLBACK_COMPLETE,
   * UPDATE_ROLLBACK_FAILED, DELETE_COMPLETE, DELETE_FAILED, or VALIDATION_FAILED (nothing was done).
   */
  readonly status: string;
  /** Nothing to create, update or delete. */
  readonly noChanges: boolean;
  /** Why it failed. */
  readonly reason?: string;
  readonly events: readonly ResourceEventRecord[];
  /** Every request delivered to the handler, in order (a redelivered request twice), with what it cost. */
  readonly requests: readonly DeliveredRequest[];
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * Non-fatal problems: cleanup deletions that failed, redeliveries that answered differently, a
   * replacement's rollback Update that answered a physical id other than the old one.
   */
  readonly warnings: readonly string[];
}

/** One delivery of a request to the handler. */
export interface DeliveredRequest {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  /**
   * Handler invocations it took: for a function that answers CloudFormation itself, CloudFormation's
   * invocation plus Lambda's retries and the function's own continuations; through the Provider
   * framework emulation, onEvent plus every isComplete poll.
   */
  readonly invocations: number;
  readonly status: 'SUCCESS' | 'FAILED';
}

export interface RunResult {
  readonly success: boolean;
  readonly stacks: readonly StackResult[];
}

/** Marks a value that is known only once a resource is deployed (see `LifecycleRunner.preview`). */
export const UNKNOWN_VALUE = '(known after deploy)';

/** A handler-driven resource as the next deploy would deliver it. */
export interface PreviewResource {
  readonly logicalId: string;
  readonly type: string;
  /** Resolved as CloudFormation delivers them (scalars as strings); unknown parts contain UNKNOWN_VALUE. */
  readonly properties: Record<string, unknown>;
  /**
   * Why the deploy fails at this resource before delivering anything to it, in the deploy's own
   * words: properties that cannot be resolved, no ServiceToken, a changed ServiceToken or resource type.
   */
  readonly error?: string;
  /** Its deployed record, unless it is new. */
  readonly before?: ResourceState;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

export interface PredictedRecord {
  readonly physicalResourceId: string;
  readonly data: Record<string, unknown>;
}

export interface StackPreview {
  readonly stackName: string;
  /** The deployed stack's id; undefined when the stack is new (its id is made when it is created). */
  readonly stackId?: string;
  readonly region: string;
  readonly account: string;
  /**
   * The deploy fails for the stack as a whole, in the deploy's own words: its template cannot be
   * deployed at all (VALIDATION_FAILED: `resources` is empty, nothing is done), or its Outputs
   * cannot be resolved once every resource is deployed (`Outputs: ...`: the deploy rolls back).
   */
  readonly error?: string;
  readonly resources: readonly PreviewResource[];
  /** Deployed handler-driven resources the template no longer holds: deleted (or retained) in cleanup. */
  readonly removed: ReadonlyArray<{ readonly logicalId: string; readonly record: ResourceState }>;
  /** The stack's Outputs as the deploy will record them (unknown parts contain UNKNOWN_VALUE); empty when `error` says why not. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Its exports, by export name, likewise: what `Fn::ImportValue` of a stack deployed after it answers. */
  readonly exports: Readonly<Record<string, string>>;
}

export interface PreviewOptions {
  /**
   * The exports of the stacks previewed before this one in the same deploy, by stack name (their
   * StackPreview.exports): they replace what the state holds for those stacks, as the deploy of an
   * assembly deploys them first. In memory only.
   * @default the exports the state holds
   */
  readonly exports?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One request sent on its own (see `LifecycleRunner.sendEvent`). */
export interface RawEventRequest {
  /** Its StackId is the deployed stack's, else `stackId`, else a new one. */
  readonly stackName: string;
  readonly stackId?: string;
  readonly logicalId: string;
  readonly requestType: RequestType;
  readonly resourceType: string;
  /** ResourceProperties (with ServiceToken, as deployed); scalars are sent as strings, as CloudFormation does. */
  readonly properties: Record<string, unknown>;
  readonly oldProperties?: Record<string, unknown>;
  readonly physicalResourceId?: string;
}

export interface RawEventResult {
  /** The event as delivered to onEvent. */
  readonly event: CustomResourceEvent;
  /** What CloudFormation would have received. */
  readonly outcome: ProviderOutcome;
  /** A redelivery that answered differently, if redelivery is on. */
  readonly warnings: readonly string[];
}

/**
 * A physical id of CloudFormation's making, `<stackName>-<logicalId>-<12 upper-case alphanumerics>`,
 * as a Delete carries for a resource whose create was cancelled (or answered no physical id).
 */
export function cloudFormationPhysicalId(stackName: string, logicalId: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const suffix = Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${stackName}-${logicalId}-${suffix}`;
}

/**
 * Drives the CodeStar custom resources of a synthesized app through CloudFormation's lifecycle
 * (create, update, replacement, delete, rollback) with a Provider-framework handler, keeping
 * deployed state in a local file. Other resources are simulated: they get plausible Ref/GetAtt
 * values but no handler is called for them.
 */
export class LifecycleRunner {
  private readonly stateFile: StateFile;
  private handlerModule?: HandlerModule | FunctionModule;

  constructor(private readonly options: LifecycleRunnerOptions = {}) {
    this.stateFile = new StateFile(path.resolve(options.stateFile ?? DEFAULT_STATE_FILE));
  }

  /** Deploys every stack of a cloud assembly directory (cdk.out) in dependency order; stops at the first failure. */
  public async deploy(assemblyDir: string, options: { readonly stacks?: readonly string[] } = {}): Promise<RunResult> {
    const stacks = loadCloudAssembly(assemblyDir).filter(s => !options.stacks || options.stacks.includes(s.stackName));
    const results: StackResult[] = [];
    for (const stack of stacks) {
      const result = await this.deployStack(stack);
      results.push(result);
      if (!result.success) {
        break;
      }
    }
    return { success: results.length === stacks.length && results.every(r => r.success), stacks: results };
  }

  public async deployStack(stack: StackInput): Promise<StackResult> {
    const state = this.stateFile.load();
    return new StackRun(this.context(), state, stack).deploy();
  }

  /** Deletes the deployed stacks (all, or the named ones), dependents first. */
  public async destroy(options: { readonly stacks?: readonly string[] } = {}): Promise<RunResult> {
    const state = this.stateFile.load();
    const names = Object.keys(state.stacks).filter(n => !options.stacks || options.stacks.includes(n));
    const order = topologicalOrder(names, n => state.stacks[n].dependencies).reverse();
    const results: StackResult[] = [];
    for (const name of order) {
      const stack = state.stacks[name];
      results.push(await new StackRun(this.context(), this.stateFile.load(), {
        stackName: name, template: {}, region: stack.region, account: stack.account,
      }).destroy());
    }
    return { success: results.every(r => r.success), stacks: results };
  }

  /**
   * Sends one request through the same Provider emulation as a deployment (handler, environment,
   * timeouts, redelivery), outside any stack operation: the state is neither read for resources nor
   * changed. For deliveries the lifecycle does not make on its own, such as the Delete of a
   * cancelled create: `cloudFormationPhysicalId(stackName, logicalId)` makes its physical id.
   */
  public async sendEvent(request: RawEventRequest): Promise<RawEventResult> {
    const run = new StackRun(this.context(), this.stateFile.load(), { stackName: request.stackName, template: {}, stackId: request.stackId });
    return run.sendRaw(request);
  }

  /**
   * What deploying the stack would deliver to each handler-driven resource, computed without
   * delivering anything and without changing the state: the resources in deploy order with their
   * resolved properties (given the deployed state), and the deployed ones the template no longer
   * holds. `predict` answers, in order, the physical id and data a resource will have afterwards
   * (undefined: unknown until it is deployed, so values that reference it read as UNKNOWN_VALUE);
   * it is called for a resource the deploy fails at too (its `error` says why), which stays unknown.
   * A new stack's `AWS::StackId` is unknown too. To preview the stacks of one deploy, give each the
   * exports of those previewed before it (`options.exports`). Nothing is written or printed.
   */
  public async preview(
    stack: StackInput, predict: (resource: PreviewResource) => Promise<PredictedRecord | undefined>, options: PreviewOptions = {},
  ): Promise<StackPreview> {
    return new StackRun(this.context(), this.stateFile.load(), stack, { exports: options.exports ?? {} }).preview(predict);
  }

  /** The persisted state. */
  public readState(): RunnerState {
    return this.stateFile.load();
  }

  private context(): RunContext {
    const o = this.options;
    return {
      stateFile: this.stateFile,
      handler: () => {
        this.handlerModule ??= typeof o.handler === 'object' ? o.handler : loadHandlerModule(o.handler ?? DEFAULT_HANDLER_FILE);
        return this.handlerModule;
      },
      region: o.region ?? 'us-east-1',
      account: o.account ?? '123456789012',
      environment: {
        AWS_ACCESS_KEY_ID: 'ASIALOCALCODESTAR000',
        AWS_SECRET_ACCESS_KEY: 'local-codestar-fake-secret-key',
        AWS_SESSION_TOKEN: 'local-codestar-fake-session-token',
        ...(o.codeStarEndpoint ? { AWS_ENDPOINT_URL_CODESTAR: o.codeStarEndpoint } : {}),
        ...o.environment,
      },
      pollIntervalMs: o.pollIntervalMs ?? 5000,
      totalTimeoutMs: o.totalTimeoutMs ?? 30 * 60 * 1000,
      lambdaTimeoutMs: o.lambdaTimeoutMs,
      handlerChosen: o.handler !== undefined,
      code: new DeployedCode(path.join(path.dirname(this.stateFile.file), 'code')),
      logFileOf: name => path.join(path.dirname(this.stateFile.file), 'logs', `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.log`),
      asyncRetryDelaysMs: o.asyncRetryDelaysMs,
      progressEveryPolls: o.progressEveryPolls ?? 6,
      redeliver: typeof o.redeliver === 'function' ? o.redeliver : () => o.redeliver === true,
      parameters: o.parameters ?? {},
      resourceTypes: new Set(o.resourceTypes ?? CODESTAR_RESOURCE_TYPES),
      writer: o.writer ?? (line => process.stdout.write(`${line}\n`)),
      status: o.status,
      replacementRollback: o.replacementRollback ?? 'delete',
    };
  }
}

interface RunContext {
  readonly stateFile: StateFile;
  readonly handler: () => HandlerModule | FunctionModule;
  readonly region: string;
  readonly account: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly pollIntervalMs: number;
  readonly totalTimeoutMs: number;
  /** Set by the caller, else the function's own Timeout. */
  readonly lambdaTimeoutMs?: number;
  readonly asyncRetryDelaysMs?: readonly number[];
  /** The caller chose the handler (`handler`): it serves every request, in place of the functions' own code. */
  readonly handlerChosen: boolean;
  readonly code: DeployedCode;
  /** The log file of a function the runner runs in this process. */
  readonly logFileOf: (functionName: string) => string;
  readonly progressEveryPolls: number;
  readonly redeliver: (event: CustomResourceEvent) => boolean;
  readonly parameters: Readonly<Record<string, string>>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly writer: (line: string) => void;
  readonly status?: (text: string | undefined) => void;
  readonly replacementRollback: ReplacementRollback;
}

/** A forward step of a deployment, kept for cleanup and rollback. */
interface Step {
  readonly seq: number;
  readonly kind: 'create' | 'update' | 'replace';
  readonly logicalId: string;
  readonly before?: ResourceState;
  readonly after: ResourceState;
}

interface Failure {
  readonly logicalId?: string;
  readonly kind: 'create' | 'update' | 'outputs';
  readonly reason: string;
  readonly before?: ResourceState;
  /** What was attempted (resolved properties, physical id the provider reported). */
  readonly attempted?: ResourceState;
}

type StepResult = { readonly step?: Step; readonly failure?: Failure };

/**
 * What the deploy does with a handler-driven resource before any request: the request its
 * resolved properties make ('none' when they are unchanged), or why the deploy fails there.
 */
type Delivery =
  | { readonly request: 'Create' | 'Update' | 'none'; readonly properties: Record<string, unknown>; readonly failure?: undefined }
  | { readonly failure: string; readonly properties?: Record<string, unknown> };

/** One stack operation (deploy or destroy): its live resources, resolution context and output. */
class StackRun {
  private readonly reporter: Reporter;
  private readonly warnings: string[] = [];
  private readonly requests: DeliveredRequest[] = [];
  private readonly name: string;
  private readonly region: string;
  private readonly account: string;
  private readonly stackId: string;
  private readonly prev?: StackState;
  private readonly live: Record<string, ResourceState>;
  private readonly conditions = new Map<string, boolean>();
  /** In a preview: resources whose physical id and attributes are known only once deployed. */
  private readonly unknown = new Set<string>();
  private readonly resolveContext: IntrinsicContext;
  private seq = 0;

  /** `previewing`: a preview's run, which never delivers, writes or prints (see LifecycleRunner.preview). */
  constructor(
    private readonly ctx: RunContext, private readonly state: RunnerState, private readonly stack: StackInput,
    private readonly previewing?: Required<PreviewOptions>,
  ) {
    this.name = stack.stackName;
    this.prev = state.stacks[this.name];
    this.region = this.prev?.region ?? stack.region ?? ctx.region;
    this.account = this.prev?.account ?? stack.account ?? ctx.account;
    this.stackId = this.prev?.stackId ?? stack.stackId ?? `arn:aws:cloudformation:${this.region}:${this.account}:stack/${this.name}/${randomUUID()}`;
    this.live = { ...this.prev?.resources };
    this.reporter = new Reporter(ctx.writer, ctx.status);
    for (const record of Object.values(this.live)) {
      this.registerSecrets(record.type, record.properties);
    }
    this.resolveContext = this.intrinsicContext();
  }

  // ---- deploy ---------------------------------------------------------------------------------

  public async deploy(): Promise<StackResult> {
    let plan: { order: string[]; resources: Record<string, CfnResource> };
    try {
      plan = this.plan();
    } catch (e) {
      const reason = messageOf(e);
      this.reporter.stack(this.name, `VALIDATION_FAILED: ${reason}`);
      return this.result(false, 'VALIDATION_FAILED', false, reason);
    }
    this.keepFunctionCode(plan.resources);
    const isNew = this.prev === undefined;
    this.reporter.stack(this.name, isNew ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');
    this.persist(isNew ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');

    const steps: Step[] = [];
    let failure: Failure | undefined;
    for (const logicalId of plan.order) {
      const { step, failure: failed } = await this.deployResource(logicalId, plan.resources[logicalId], new Set(plan.order));
      if (step) {
        steps.push(step);
        this.persist(isNew ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');
      }
      if (failed) {
        failure = failed;
        break;
      }
    }
    let outputs: { outputs: Record<string, string>; exports: Record<string, string> } = { outputs: {}, exports: {} };
    if (!failure) {
      try {
        outputs = this.resolveOutputs();
      } catch (e) {
        failure = { kind: 'outputs', reason: outputsFailure(e) };
      }
    }
    if (failure) {
      return this.rollback(steps, failure, isNew);
    }

    const removed = Object.keys(this.live).filter(id => !(id in plan.resources));
    await this.cleanup(steps.filter(s => s.kind === 'replace'), removed);
    const noChanges = !isNew && steps.length === 0 && removed.length === 0;
    const status = noChanges ? this.prev!.status : isNew ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE';
    this.persist(status, outputs);
    this.reporter.stack(this.name, noChanges ? `no changes (${status})` : status);
    for (const [key, value] of Object.entries(outputs.outputs)) {
      this.reporter.line(`${this.name}.${key} = ${value}`);
    }
    return this.result(true, status, noChanges, undefined, outputs.outputs);
  }

  public async preview(predict: (resource: PreviewResource) => Promise<PredictedRecord | undefined>): Promise<StackPreview> {
    const identity = { stackName: this.name, stackId: this.prev?.stackId, region: this.region, account: this.account };
    let plan: { order: string[]; resources: Record<string, CfnResource> };
    try {
      plan = this.plan();
    } catch (e) {
      return { ...identity, error: messageOf(e), resources: [], removed: [], outputs: {}, exports: {} };
    }
    const ids = new Set(plan.order);
    const resources: PreviewResource[] = [];
    for (const logicalId of plan.order) {
      const resource = plan.resources[logicalId];
      const before = this.live[logicalId];
      const base = baseRecord(resource, ids);
      if (!this.ctx.resourceTypes.has(resource.Type)) {
        this.deploySimulated(logicalId, resource, before, base, false);
        continue;
      }
      const delivery = this.delivery(resource, before);
      const properties = delivery.properties ?? {};
      const item: PreviewResource = {
        logicalId,
        type: resource.Type,
        properties,
        error: delivery.failure,
        before,
        deletionPolicy: base.deletionPolicy,
        updateReplacePolicy: base.updateReplacePolicy,
      };
      resources.push(item);
      // Also a resource the deploy fails at, so that the caller sees every one; it is never deployed.
      const predicted = await predict(item);
      if (predicted === undefined || delivery.failure !== undefined) {
        this.unknown.add(logicalId);
      } else {
        this.unknown.delete(logicalId);
        this.live[logicalId] = { ...base, properties, simulated: false, ...predicted };
      }
    }
    const removed = Object.keys(this.prev?.resources ?? {})
      .filter(id => !(id in plan.resources) && this.ctx.resourceTypes.has(this.prev!.resources[id].type))
      .map(id => ({ logicalId: id, record: this.prev!.resources[id] }));
    try {
      return { ...identity, resources, removed, ...this.resolveOutputs() };
    } catch (e) {
      return { ...identity, error: outputsFailure(e), resources, removed, outputs: {}, exports: {} };
    }
  }

  /** Validates references, applies resource conditions and orders the resources. */
  private plan(): { order: string[]; resources: Record<string, CfnResource> } {
    const template = this.stack.template;
    if (template.Transform !== undefined && JSON.stringify(template.Transform) !== '"AWS::LanguageExtensions"') {
      throw new Error(`Transform ${JSON.stringify(template.Transform)} is not supported by the local runner`);
    }
    const all = template.Resources ?? {};
    const known = new Set([...Object.keys(all), ...Object.keys(template.Parameters ?? {})]);
    const missing = new Set<string>();
    for (const resource of Object.values(all)) {
      referencedNames(resource.Properties ?? {}).forEach(n => !known.has(n) && missing.add(n));
      dependsOnList(resource).forEach(d => !(d in all) && missing.add(d));
    }
    referencedNames(template.Outputs ?? {}).forEach(n => !known.has(n) && missing.add(n));
    if (missing.size > 0) {
      throw new Error(`Template format error: Unresolved resource dependencies [${[...missing].join(', ')}] in the Resources block of the template`);
    }
    const resources = Object.fromEntries(Object.entries(all).filter(([, r]) => r.Condition === undefined || this.condition(r.Condition)));
    const ids = new Set(Object.keys(resources));
    const order = topologicalOrder([...ids], id => resourceDependencies(resources[id], ids));
    return { order, resources };
  }

  private async deployResource(logicalId: string, resource: CfnResource, ids: ReadonlySet<string>): Promise<StepResult> {
    const before = this.live[logicalId];
    const type = resource.Type;
    const base = baseRecord(resource, ids);
    if (!this.ctx.resourceTypes.has(type)) {
      return this.deploySimulated(logicalId, resource, before, base);
    }
    const delivery = this.delivery(resource, before);
    if (delivery.failure !== undefined) {
      return this.fail(logicalId, type, before ? 'update' : 'create', delivery.failure, before);
    }
    const properties = delivery.properties;
    this.registerSecrets(type, properties);

    if (!before) {
      this.emit(logicalId, type, 'CREATE_IN_PROGRESS');
      const outcome = await this.deliver('Create', logicalId, type, properties, {});
      const attempted = { ...base, properties, data: {}, simulated: false, physicalResourceId: outcome.physicalResourceId ?? '' };
      if (outcome.status === 'FAILED') {
        // A Create that failed without a physical id (no answer within its ServiceTimeout) still gets
        // the rollback's Delete, with a physical id CloudFormation makes up (CLOUDFORMATION.md rows 7, 14).
        const physicalResourceId = outcome.physicalResourceId || cloudFormationPhysicalId(this.name, logicalId);
        return this.fail(logicalId, type, 'create', outcome.reason, undefined, { ...attempted, physicalResourceId });
      }
      const after: ResourceState = { ...attempted, data: outcome.data };
      this.live[logicalId] = after;
      this.emit(logicalId, type, 'CREATE_COMPLETE', undefined, after.physicalResourceId);
      return { step: { seq: ++this.seq, kind: 'create', logicalId, after } };
    }

    if (delivery.request === 'none') {
      this.live[logicalId] = { ...before, ...base };
      return {};
    }
    this.emit(logicalId, type, 'UPDATE_IN_PROGRESS', `changed: ${changedKeys(before.properties, properties).join(', ')}`);
    const outcome = await this.deliver('Update', logicalId, type, properties, {
      physicalResourceId: before.physicalResourceId, oldProperties: before.properties,
    });
    if (outcome.status === 'FAILED') {
      return this.fail(logicalId, type, 'update', outcome.reason, before, { ...before, ...base, properties });
    }
    const after: ResourceState = { ...base, properties, data: outcome.data, simulated: false, physicalResourceId: outcome.physicalResourceId };
    this.live[logicalId] = after;
    const replaced = after.physicalResourceId !== before.physicalResourceId;
    this.emit(logicalId, type, 'UPDATE_COMPLETE', replaced ? 'replacement: the old physical resource is deleted in cleanup' : undefined, after.physicalResourceId);
    return { step: { seq: ++this.seq, kind: replaced ? 'replace' : 'update', logicalId, before, after } };
  }

  /**
   * The checks the deploy makes before it delivers anything to a handler-driven resource, shared
   * with the preview so that both fail alike: properties resolved as CloudFormation delivers them
   * (scalars as strings), a ServiceToken, no change of resource type or of ServiceToken.
   */
  private delivery(resource: CfnResource, before: ResourceState | undefined): Delivery {
    let properties: Record<string, unknown>;
    try {
      properties = stringifyScalars(this.resolve(resource.Properties ?? {})) as Record<string, unknown>;
    } catch (e) {
      return { failure: messageOf(e) };
    }
    if (typeof properties.ServiceToken !== 'string' || properties.ServiceToken === '') {
      return { failure: 'ServiceToken property is required', properties };
    }
    if (!before) {
      return { request: 'Create', properties };
    }
    if (before.type !== resource.Type) {
      return { failure: `Update of resource type is not permitted (from ${before.type} to ${resource.Type})`, properties };
    }
    if (canonicalJson(before.properties) === canonicalJson(properties)) {
      return { request: 'none', properties };
    }
    // A token only a preview cannot know yet (imported from a stack it previews as new) may be unchanged.
    const unknownToken = this.previewing !== undefined && properties.ServiceToken.includes(UNKNOWN_VALUE);
    if (before.properties.ServiceToken !== properties.ServiceToken && !unknownToken) {
      return { failure: 'Modifying service token is not allowed.', properties };
    }
    return { request: 'Update', properties };
  }

  /** Keeps the staged code of the template's functions, as Lambda keeps a deployed function's code. */
  private keepFunctionCode(resources: Record<string, CfnResource>): void {
    for (const resource of Object.values(resources)) {
      const objectKey = objectKeyOf(resource.Properties);
      const source = objectKey !== undefined ? this.stack.assets?.[objectKey] : undefined;
      if (resource.Type === 'AWS::Lambda::Function' && objectKey !== undefined && source) {
        this.ctx.code.keep(objectKey, source);
      }
    }
  }

  private deploySimulated(
    logicalId: string, resource: CfnResource, before: ResourceState | undefined,
    base: Omit<ResourceState, 'physicalResourceId' | 'properties' | 'data' | 'simulated'>, report = true,
  ): StepResult {
    let properties: Record<string, unknown> = {};
    try {
      properties = this.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    } catch {
      // A simulated resource's values do not depend on exact properties; unresolvable ones are left out.
    }
    const after: ResourceState = {
      ...base,
      properties,
      data: {},
      simulated: true,
      // A deployed resource keeps its physical id (unless its name changes): CloudFormation's, when the state was read from it.
      physicalResourceId: simulate(
        resource.Type, logicalId, properties, this.simulationEnv(), before?.type === resource.Type ? before.physicalResourceId : undefined,
      ).ref,
    };
    this.live[logicalId] = after;
    if (before && before.type === after.type && canonicalJson(before.properties) === canonicalJson(properties)) {
      return {};
    }
    if (report) {
      this.emit(logicalId, resource.Type, before ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE', undefined, after.physicalResourceId, true);
    }
    return { step: { seq: ++this.seq, kind: before ? 'update' : 'create', logicalId, before, after } };
  }

  private fail(logicalId: string, type: string, kind: 'create' | 'update', reason: string, before?: ResourceState, attempted?: ResourceState): StepResult {
    this.emit(logicalId, type, kind === 'create' ? 'CREATE_FAILED' : 'UPDATE_FAILED', reason);
    return { failure: { logicalId, kind, reason, before, attempted } };
  }

  /** UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: delete replaced physical resources and removed resources. */
  private async cleanup(replacements: readonly Step[], removed: readonly string[]): Promise<void> {
    if (replacements.length === 0 && removed.length === 0) {
      return;
    }
    this.reporter.stack(this.name, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    // The replaced physical resource follows the UpdateReplacePolicy of the template being deployed;
    // a removed resource, the DeletionPolicy it was deployed with.
    const items = new Map<string, { record: ResourceState; policy?: string; replaced: boolean }>();
    replacements.forEach(s => items.set(s.logicalId, { record: s.before!, policy: s.after.updateReplacePolicy, replaced: true }));
    removed.forEach(id => items.set(id, { record: this.live[id], policy: this.live[id].deletionPolicy, replaced: false }));
    const order = topologicalOrder([...items.keys()], id => items.get(id)!.record.dependsOn).reverse();
    for (const logicalId of order) {
      const { record, policy, replaced } = items.get(logicalId)!;
      const ok = await this.deleteResource(logicalId, record, isRetain(policy));
      if (!ok) {
        this.warnings.push(`${logicalId}: could not be deleted during cleanup (${record.physicalResourceId}); it is no longer managed`);
      }
      if (!replaced) {
        delete this.live[logicalId];
      }
      this.persist('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    }
  }

  /** Rolls back after a failure: revert updates (newest first), then delete what this run created. */
  private async rollback(steps: readonly Step[], failure: Failure, isNew: boolean): Promise<StackResult> {
    const reason = failure.logicalId
      ? `The following resource(s) failed to ${failure.kind}: [${failure.logicalId}]. ${failure.reason}`
      : failure.reason;
    this.reporter.stack(this.name, `${isNew ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS'}: ${reason}`);
    let rollbackFailed = false;
    const deletions: Array<{ seq: number; logicalId: string; record: ResourceState; created: boolean }> = [];

    const failedUpdate: Step[] = failure.kind === 'update' && failure.before && failure.attempted
      ? [{ seq: this.seq + 1, kind: 'update', logicalId: failure.logicalId!, before: failure.before, after: { ...failure.attempted, physicalResourceId: failure.before.physicalResourceId } }]
      : [];
    for (const step of [...failedUpdate, ...[...steps].reverse().filter(s => s.kind !== 'create')]) {
      const before = step.before!;
      if (step.kind === 'replace') {
        if (this.ctx.replacementRollback === 'update-then-delete' && !(await this.revertReplacement(step))) {
          rollbackFailed = true;
          continue; // the resource stays at the new physical id; nothing is deleted
        }
        this.live[step.logicalId] = before;
        deletions.push({ seq: step.seq, logicalId: step.logicalId, record: step.after, created: true });
        this.persist(isNew ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS');
        continue;
      }
      if (before.simulated) {
        this.live[step.logicalId] = before;
        this.emit(step.logicalId, before.type, 'UPDATE_COMPLETE', undefined, before.physicalResourceId, true);
        continue;
      }
      this.emit(step.logicalId, before.type, 'UPDATE_IN_PROGRESS', 'rollback');
      const current = step.after;
      const outcome = await this.deliver('Update', step.logicalId, before.type, before.properties, {
        physicalResourceId: current.physicalResourceId, oldProperties: current.properties,
      });
      if (outcome.status === 'FAILED') {
        this.emit(step.logicalId, before.type, 'UPDATE_FAILED', outcome.reason);
        rollbackFailed = true;
        continue;
      }
      this.live[step.logicalId] = { ...before, physicalResourceId: outcome.physicalResourceId, data: outcome.data };
      this.emit(step.logicalId, before.type, 'UPDATE_COMPLETE', undefined, outcome.physicalResourceId);
      if (outcome.physicalResourceId !== current.physicalResourceId) {
        deletions.push({ seq: step.seq, logicalId: step.logicalId, record: current, created: true });
      }
      this.persist(isNew ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS');
    }

    for (const step of steps.filter(s => s.kind === 'create')) {
      deletions.push({ seq: step.seq, logicalId: step.logicalId, record: step.after, created: true });
    }
    if (failure.kind === 'create' && failure.attempted) {
      // The physical id the FAILED answer gave (the CREATE_FAILED marker, or a real id when the wait
      // failed), or one CloudFormation made up when there was no answer.
      deletions.push({ seq: this.seq + 1, logicalId: failure.logicalId!, record: failure.attempted, created: true });
    }
    for (const d of deletions.sort((a, b) => b.seq - a.seq)) {
      // RetainExceptOnCreate exists precisely to delete on this path; Retain keeps even these.
      const ok = await this.deleteResource(d.logicalId, d.record, d.record.deletionPolicy === 'Retain');
      const holdsIt = this.live[d.logicalId] === d.record;
      if (ok || !isNew) {
        if (holdsIt) {
          delete this.live[d.logicalId];
        }
        if (!ok) {
          this.warnings.push(`${d.logicalId}: could not be deleted during rollback (${d.record.physicalResourceId}); it is no longer managed`);
        }
      } else {
        // A failed stack creation keeps what it could not delete, for a later destroy.
        rollbackFailed = true;
        this.live[d.logicalId] ??= d.record;
      }
      this.persist(isNew ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS');
    }

    const status = isNew
      ? rollbackFailed ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE'
      : rollbackFailed ? 'UPDATE_ROLLBACK_FAILED' : 'UPDATE_ROLLBACK_COMPLETE';
    if (status === 'ROLLBACK_COMPLETE') {
      this.forget(); // like `cdk deploy`, the next deploy starts this stack afresh
    } else {
      this.persist(status);
    }
    this.reporter.stack(this.name, status);
    return this.result(false, status, false, reason);
  }

  /**
   * `replacementRollback: 'update-then-delete'`: the Update some field reports show before the
   * replacement's Delete, to the new physical id with the properties swapped. False when it failed.
   */
  private async revertReplacement(step: Step): Promise<boolean> {
    const before = step.before!;
    const current = step.after;
    this.emit(step.logicalId, before.type, 'UPDATE_IN_PROGRESS', 'rollback of a replacement', current.physicalResourceId);
    const outcome = await this.deliver('Update', step.logicalId, before.type, before.properties, {
      physicalResourceId: current.physicalResourceId, oldProperties: current.properties,
    });
    if (outcome.status === 'FAILED') {
      this.emit(step.logicalId, before.type, 'UPDATE_FAILED', outcome.reason, current.physicalResourceId);
      this.warnings.push(`${step.logicalId}: the rollback Update of its replacement failed; it stays at ${current.physicalResourceId}, `
        + `and ${before.physicalResourceId} (the replaced physical resource) is no longer managed`);
      return false;
    }
    // CloudFormation goes back to the old physical id whatever this answered.
    this.emit(step.logicalId, before.type, 'UPDATE_COMPLETE', undefined, before.physicalResourceId);
    if (outcome.physicalResourceId !== before.physicalResourceId) {
      const fate = outcome.physicalResourceId === current.physicalResourceId
        ? 'which only the rollback Delete that follows removes'
        : 'which CloudFormation never deletes (a second replacement)';
      this.warnings.push(`${step.logicalId}: the rollback Update of its replacement (${current.physicalResourceId}) answered the physical id `
        + `${outcome.physicalResourceId}, not the old ${before.physicalResourceId}: CloudFormation goes back to ${before.physicalResourceId} `
        + `and keeps nothing of ${outcome.physicalResourceId}, ${fate}`);
    }
    return true;
  }

  // ---- raw events -----------------------------------------------------------------------------

  public async sendRaw(request: RawEventRequest): Promise<RawEventResult> {
    const properties = stringifyScalars(request.properties) as Record<string, unknown>;
    this.registerSecrets(request.resourceType, properties);
    let event: CustomResourceEvent | undefined;
    const outcome = await this.deliver(request.requestType, request.logicalId, request.resourceType, properties, {
      physicalResourceId: request.physicalResourceId,
      oldProperties: request.oldProperties === undefined ? undefined : stringifyScalars(request.oldProperties) as Record<string, unknown>,
    }, e => { event = e; });
    return { event: event!, outcome, warnings: this.warnings.map(w => this.reporter.scrub(w)) };
  }

  // ---- destroy --------------------------------------------------------------------------------

  public async destroy(): Promise<StackResult> {
    if (!this.prev) {
      return this.result(true, 'DELETE_COMPLETE', true);
    }
    this.reporter.stack(this.name, 'DELETE_IN_PROGRESS');
    this.persist('DELETE_IN_PROGRESS');
    const ids = Object.keys(this.live);
    const order = topologicalOrder(ids, id => this.live[id].dependsOn).reverse();
    const failed = new Set<string>();
    for (const logicalId of order) {
      const record = this.live[logicalId];
      const blockedBy = [...failed].filter(f => this.live[f]?.dependsOn.includes(logicalId));
      if (blockedBy.length > 0) {
        failed.add(logicalId);
        continue; // something that depends on it could not be deleted
      }
      if (await this.deleteResource(logicalId, record, isRetain(record.deletionPolicy))) {
        delete this.live[logicalId];
      } else {
        failed.add(logicalId);
      }
      this.persist('DELETE_IN_PROGRESS');
    }
    if (failed.size === 0) {
      this.forget();
      this.reporter.stack(this.name, 'DELETE_COMPLETE');
      return this.result(true, 'DELETE_COMPLETE', false);
    }
    this.persist('DELETE_FAILED');
    const reason = `The following resource(s) failed to delete: [${[...failed].join(', ')}].`;
    this.reporter.stack(this.name, `DELETE_FAILED: ${reason}`);
    return this.result(false, 'DELETE_FAILED', false, reason);
  }

  // ---- shared machinery -----------------------------------------------------------------------

  /** Deletes (or retains, or forgets a simulated) resource; false when the handler failed. */
  private async deleteResource(logicalId: string, record: ResourceState, retain: boolean): Promise<boolean> {
    if (retain) {
      this.emit(logicalId, record.type, 'DELETE_SKIPPED', 'retained', record.physicalResourceId, record.simulated);
      return true;
    }
    if (record.simulated) {
      this.emit(logicalId, record.type, 'DELETE_COMPLETE', undefined, record.physicalResourceId, true);
      return true;
    }
    this.emit(logicalId, record.type, 'DELETE_IN_PROGRESS', undefined, record.physicalResourceId);
    const outcome = await this.deliver('Delete', logicalId, record.type, record.properties, { physicalResourceId: record.physicalResourceId });
    if (outcome.status === 'FAILED') {
      this.emit(logicalId, record.type, 'DELETE_FAILED', outcome.reason, record.physicalResourceId);
      return false;
    }
    this.emit(logicalId, record.type, 'DELETE_COMPLETE', undefined, record.physicalResourceId);
    return true;
  }

  /** Sends one request through the provider (twice, when redelivery is on). */
  private async deliver(
    requestType: RequestType, logicalId: string, resourceType: string, properties: Record<string, unknown>,
    extra: { physicalResourceId?: string; oldProperties?: Record<string, unknown> },
    onEvent?: (event: CustomResourceEvent) => void,
  ): Promise<ProviderOutcome> {
    const requestId = randomUUID();
    const serviceToken = String(properties.ServiceToken ?? '');
    // The code the ServiceToken's function was deployed with, unless the caller chose a handler.
    const deployed = this.ctx.handlerChosen ? undefined : deployedFunction(serviceToken, this.live, this.ctx.code);
    if (deployed instanceof Error) {
      this.requests.push({ logicalId, resourceType, requestType, invocations: 0, status: 'FAILED' });
      return { status: 'FAILED', reason: `The runner cannot invoke ${deployed.message}` };
    }
    const handler = deployed?.module ?? this.ctx.handler();
    const timeoutMs = this.ctx.lambdaTimeoutMs ?? deployed?.timeoutMs ?? DEFAULT_LAMBDA_TIMEOUT_MS;
    const environment = { ...deployed?.environment, ...this.ctx.environment };
    const answersItself = isFunctionModule(handler);
    const event: CustomResourceEvent = {
      RequestType: requestType,
      ServiceToken: serviceToken,
      ResponseURL: answersItself
        ? await localResponseUrl(this.stackId, logicalId, requestId)
        : fakeResponseUrl(this.region, this.stackId, logicalId, requestId),
      StackId: this.stackId,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: resourceType,
      ResourceProperties: properties,
      ...(extra.oldProperties ? { OldResourceProperties: extra.oldProperties } : {}),
      ...(extra.physicalResourceId !== undefined ? { PhysicalResourceId: extra.physicalResourceId } : {}),
    };
    // The URL, and its signature on its own (a function may print the URL's parts).
    this.reporter.addSecrets([event.ResponseURL, new URL(event.ResponseURL).searchParams.get('X-Amz-Signature') ?? event.ResponseURL]);
    onEvent?.(event);
    const serviceTimeout = Number(properties.ServiceTimeout);
    const serviceTimeoutMs = Number.isFinite(serviceTimeout) && serviceTimeout > 0 ? serviceTimeout * 1000 : undefined;
    const waiting = `${requestType.toUpperCase()}_IN_PROGRESS`;
    const onPoll = (poll: number, elapsedMs: number) => {
      this.reporter.waiting(this.name, logicalId, waiting, `poll ${poll}`, elapsedMs);
      if (poll % this.ctx.progressEveryPolls === 0) {
        this.reporter.progress(this.name, logicalId, resourceType, `${waiting} still waiting (${poll} polls)`);
      }
    };
    const delivered = ({ invocations, ...outcome }: ProviderOutcome & InvocationCount): ProviderOutcome => {
      this.requests.push({ logicalId, resourceType, requestType, invocations, status: outcome.status });
      return outcome as ProviderOutcome;
    };
    const functionName = functionNameOf(serviceToken) ?? `${this.name}-CodeStarHandler`.slice(0, 64);
    const runItself = async (module: FunctionModule): Promise<ProviderOutcome & InvocationCount> => {
      // What the function prints goes to its log, as CloudWatch Logs keeps it; a failure shows what this request wrote.
      const logFile = this.ctx.logFileOf(functionName);
      const logged = logSize(logFile);
      // The function waits inside its invocations, unseen: the status says for how long, each second.
      const started = Date.now();
      let invocation = 1;
      const tick = () => this.reporter.waiting(this.name, logicalId, waiting, `invocation ${invocation}`, Date.now() - started);
      const timer = setInterval(tick, STATUS_TICK_MS);
      try {
        const outcome = await runFunction(event, {
          module,
          // The ServiceToken is the function's ARN; its name is what the function invokes itself by.
          functionName,
          logFile,
          region: this.region,
          account: this.account,
          timeoutMs,
          environment,
          serviceTimeoutMs,
          retryDelaysMs: this.ctx.asyncRetryDelaysMs,
          onInvocation: (n) => {
            invocation = n;
            if (n > 1) {
              this.reporter.progress(this.name, logicalId, resourceType, `${waiting} still waiting (invocation ${n})`);
              tick();
            }
          },
        });
        if (outcome.status === 'FAILED') {
          const lines = logLinesSince(logFile, logged, FAILURE_LOG_LINES);
          for (const line of lines) {
            this.reporter.progress(this.name, logicalId, resourceType, `log: ${line}`);
          }
          if (lines.length > 0) {
            this.reporter.progress(this.name, logicalId, resourceType, `the function's log: ${logFile}`);
          }
        }
        return outcome;
      } finally {
        clearInterval(timer);
      }
    };
    const run = (): Promise<ProviderOutcome> => (isFunctionModule(handler)
      ? runItself(handler)
      : runProvider(event, {
        handler,
        region: this.region,
        account: this.account,
        functionNamePrefix: `${this.name}-CodeStarHandler`,
        lambdaTimeoutMs: this.ctx.lambdaTimeoutMs ?? DEFAULT_LAMBDA_TIMEOUT_MS,
        pollIntervalMs: this.ctx.pollIntervalMs,
        totalTimeoutMs: this.ctx.totalTimeoutMs,
        serviceTimeoutMs,
        environment: this.ctx.environment,
        onPoll,
      })).then(delivered);
    const first = await run();
    if (this.ctx.redeliver(event)) {
      this.reporter.progress(this.name, logicalId, resourceType, `${waiting} ${requestType} request redelivered (same RequestId)`);
      const second = await run();
      // Data may legitimately differ (e.g. a poll count); the outcome and the physical id may not.
      if (first.status !== second.status || first.physicalResourceId !== second.physicalResourceId) {
        this.warnings.push(`${logicalId}: the redelivered ${requestType} request (RequestId ${requestId}) was answered differently: `
          + `${describeOutcome(first)} then ${describeOutcome(second)}`);
      }
    }
    return first;
  }

  private emit(
    logicalId: string, resourceType: string, status: ResourceStatus, reason?: string, physicalResourceId?: string, simulated = false,
  ): void {
    this.reporter.resource({ stackName: this.name, logicalId, resourceType, status, reason, physicalResourceId, simulated });
  }

  private resolve(value: unknown): unknown {
    return resolveValue(value, this.resolveContext);
  }

  private intrinsicContext(): IntrinsicContext {
    const template = this.stack.template;
    const env = this.simulationEnv();
    const requireLive = (id: string) => {
      const record = this.live[id];
      if (!record) {
        throw new ResolveError(`Resource ${id} is not deployed (is it excluded by a condition?)`);
      }
      return record;
    };
    return {
      pseudo: {
        'AWS::AccountId': this.account,
        'AWS::Region': this.region,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': this.name,
        // A preview's new stack has no id yet: the one made up above is not the one the deploy makes.
        'AWS::StackId': this.previewing !== undefined && this.prev === undefined && this.stack.stackId === undefined ? UNKNOWN_VALUE : this.stackId,
        'AWS::NotificationARNs': [],
      },
      parameter: name => this.parameter(name),
      ref: id => this.unknown.has(id) ? UNKNOWN_VALUE : requireLive(id).physicalResourceId,
      getAtt: (id, attribute) => {
        if (this.unknown.has(id)) {
          return UNKNOWN_VALUE;
        }
        const record = requireLive(id);
        if (record.simulated) {
          return simulatedAttribute(record.type, id, record.properties, attribute, env, record.physicalResourceId);
        }
        if (!(attribute in record.data)) {
          throw new ResolveError(`CustomResource attribute error: Vendor response doesn't contain ${attribute} attribute in object ${this.stackId}|${id}|${record.physicalResourceId}`);
        }
        return record.data[attribute];
      },
      condition: name => this.condition(name),
      importValue: exportName => {
        const owner = this.otherStacksExports().find(other => exportName in other.exports);
        if (owner === undefined) {
          throw new ResolveError(`No export named ${exportName} found`);
        }
        return owner.exports[exportName];
      },
      findInMap: (map, top, second) => {
        const value = template.Mappings?.[map]?.[top]?.[second];
        if (value === undefined) {
          throw new ResolveError(`Fn::FindInMap: no ${map}.${top}.${second}`);
        }
        return value;
      },
    };
  }

  /** Every template parameter's value, as deployed (a list as CloudFormation shows it: comma-separated). */
  private parameterValues(): Record<string, string> {
    return Object.fromEntries(Object.keys(this.stack.template.Parameters ?? {}).map(name => {
      const value = this.parameter(name);
      return [name, Array.isArray(value) ? value.join(',') : String(value)];
    }));
  }

  private parameter(name: string): unknown {
    const declared = this.stack.template.Parameters?.[name];
    if (!declared) {
      return undefined;
    }
    const value = this.ctx.parameters[name] ?? declared.Default;
    if (value === undefined) {
      throw new ResolveError(`Parameters: [${name}] must have values`);
    }
    return declared.Type === 'CommaDelimitedList' || declared.Type.startsWith('List<') ? String(value).split(',') : value;
  }

  private condition(name: string): boolean {
    let value = this.conditions.get(name);
    if (value === undefined) {
      const expression = this.stack.template.Conditions?.[name];
      if (expression === undefined) {
        throw new ResolveError(`Condition ${name} is not defined`);
      }
      value = evaluateCondition(expression, this.resolveContext);
      this.conditions.set(name, value);
    }
    return value;
  }

  private resolveOutputs(): { outputs: Record<string, string>; exports: Record<string, string> } {
    const outputs: Record<string, string> = {};
    const exports: Record<string, string> = {};
    for (const [key, output] of Object.entries(this.stack.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !this.condition(output.Condition)) {
        continue;
      }
      const value = this.resolve(output.Value);
      outputs[key] = Array.isArray(value) ? value.join(',') : String(value);
      if (output.Export) {
        const exportName = String(this.resolve(output.Export.Name));
        const owner = this.otherStacksExports().find(other => exportName in other.exports);
        if (owner) {
          throw new Error(`Export with name ${exportName} is already exported by stack ${owner.stackName}`);
        }
        exports[exportName] = outputs[key];
      }
    }
    return { outputs, exports };
  }

  /** The exports of the other stacks: as deployed, or, in a preview, as the previews of stacks deployed before this one predict them. */
  private otherStacksExports(): Array<{ readonly stackName: string; readonly exports: Readonly<Record<string, string>> }> {
    const exports: Record<string, Readonly<Record<string, string>>> = {};
    Object.values(this.state.stacks).forEach(other => { exports[other.stackName] = other.exports; });
    Object.assign(exports, this.previewing?.exports);
    return Object.entries(exports).filter(([name]) => name !== this.name).map(([stackName, e]) => ({ stackName, exports: e }));
  }

  private simulationEnv(): SimulationEnv {
    return { stackName: this.name, region: this.region, account: this.account, partition: 'aws' };
  }

  /** Sensitive property values (per the API model) are scrubbed from everything printed. */
  private registerSecrets(type: string, properties: Record<string, unknown>): void {
    const operation = MODEL_OPERATION_OF_TYPE[type];
    if (operation) {
      this.reporter.addSecrets(collectSensitiveStrings(properties, loadModel().operations[operation].input));
    }
  }

  private persist(status: string, outputs?: { outputs: Record<string, string>; exports: Record<string, string> }): void {
    const existing = this.state.stacks[this.name];
    this.state.stacks[this.name] = {
      stackName: this.name,
      stackId: this.stackId,
      region: this.region,
      account: this.account,
      status,
      dependencies: [...(this.stack.dependencies ?? existing?.dependencies ?? [])],
      resources: { ...this.live },
      outputs: outputs?.outputs ?? existing?.outputs ?? {},
      exports: outputs?.exports ?? existing?.exports ?? {},
      // The template and parameter values of the last successful deploy (a stack operation's outputs
      // are resolved only then), as CloudFormation's GetTemplate and DescribeStacks answer them.
      ...(outputs === undefined
        ? { template: existing?.template, parameters: existing?.parameters }
        : { template: this.stack.template, parameters: this.parameterValues() }),
    };
    this.ctx.stateFile.save(this.state);
  }

  private forget(): void {
    delete this.state.stacks[this.name];
    this.ctx.stateFile.save(this.state);
  }

  private result(success: boolean, status: string, noChanges: boolean, reason?: string, outputs: Record<string, string> = {}): StackResult {
    return {
      stackName: this.name,
      stackId: this.stackId,
      success,
      status,
      noChanges,
      reason: reason === undefined ? undefined : this.reporter.scrub(reason),
      events: this.reporter.events,
      requests: [...this.requests],
      outputs,
      warnings: this.warnings.map(w => this.reporter.scrub(w)),
    };
  }
}

/** CloudFormation delivers every scalar property as a string. */
export function stringifyScalars(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(stringifyScalars);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** What a resource's record keeps of its template entry, whatever its properties. */
function baseRecord(resource: CfnResource, ids: ReadonlySet<string>): Omit<ResourceState, 'physicalResourceId' | 'properties' | 'data' | 'simulated'> {
  return {
    type: resource.Type,
    dependsOn: resourceDependencies(resource, ids),
    deletionPolicy: resource.DeletionPolicy,
    updateReplacePolicy: resource.UpdateReplacePolicy,
  };
}

/** The deploy's reason when the Outputs cannot be resolved, after every resource was deployed. */
function outputsFailure(e: unknown): string {
  return `Outputs: ${messageOf(e)}`;
}

function isRetain(policy: string | undefined): boolean {
  return policy === 'Retain' || policy === 'RetainExceptOnCreate';
}

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(k => canonicalJson(a[k]) !== canonicalJson(b[k])).sort();
}

function describeOutcome(o: ProviderOutcome): string {
  return o.status === 'SUCCESS' ? `SUCCESS (${o.physicalResourceId})` : `FAILED (${o.reason})`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
