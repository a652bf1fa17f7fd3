import {
  Code,
  CreateProjectCommand,
  DeleteProjectCommand,
  DescribeProjectCommand,
  DescribeProjectCommandOutput,
  ListTagsForProjectCommand,
  TagProjectCommand,
  UntagProjectCommand,
  UpdateProjectCommand,
} from '@aws-sdk/client-codestar';
import { HandlerError, hasErrorName, OperationError } from './errors';
import { Data, DELETING_PROJECT_KEY, IsCompleteResponse, OnEventResponse, WAIT_DEADLINE_KEY } from './event';
import { readGitHubToken } from './github-token';
import type { CompletionRequest, DeleteRequest, HandlerContext, ResourceHandler, ResourceRequest, UpdateRequest } from './handler';
import { paginate } from './paginate';
import { parseProjectProperties } from './properties';
import { deleteProjectToken, projectToken, ResourceIdentity } from './tokens';
import { canonicalJson } from '../src/private/canonical-json';
import { CodeProperty, DEFAULT_PROJECT_TIMEOUT_SECONDS, ProjectAttributes, ProjectProperties } from '../src/private/contract';
import { isProjectId } from '../src/private/identifiers';
import { planProjectUpdate, ProjectCall, ProjectProgress, projectProgress, ProjectState } from '../src/private/plans';

export { planProjectUpdate, projectProgress };
export type { ProjectCall, ProjectProgress, ProjectState };

/**
 * Custom::CodeStarProject. Physical id: the project id. CodeStar creates and deletes projects
 * asynchronously, so onEvent starts the work and isComplete polls DescribeProject until the state
 * is final.
 */

const PROJECT_NOT_FOUND = 'ProjectNotFoundException';

/** The resource's attributes. Every key always has a value, so Fn::GetAtt never fails on one. */
export function projectData(described: DescribeProjectCommandOutput): Data {
  return {
    [ProjectAttributes.ID]: described.id ?? '',
    [ProjectAttributes.ARN]: described.arn ?? '',
    [ProjectAttributes.STACK_ID]: described.stackId ?? '',
    [ProjectAttributes.PROJECT_TEMPLATE_ID]: described.projectTemplateId ?? '',
  };
}

export const projectHandler: ResourceHandler<ProjectProperties> = {
  parseProperties: parseProjectProperties,
  sensitiveValues: properties => [
    properties.name,
    properties.description,
    // CodeStar toolchains commonly take the project id as a parameter: that value is public anyway,
    // and blanking it would blank the id out of every reason.
    ...Object.values(properties.toolchain?.stackParameters ?? {}).filter(value => value !== properties.id),
  ],

  async onEvent(request, ctx) {
    // The wait starts now: isComplete gives up with its own reason once the project's timeout is over.
    const waitDeadline = waitDeadlineFrom(ctx.now(), request.properties?.timeoutSeconds ?? DEFAULT_PROJECT_TIMEOUT_SECONDS);
    const response = await startProjectRequest(request, ctx);
    return { ...response, [WAIT_DEADLINE_KEY]: waitDeadline };
  },

  async isComplete(request, ctx): Promise<IsCompleteResponse> {
    const id = request.requestType === 'Delete' ? request.deletingProject : request.physicalResourceId;
    if (id === undefined) {
      // onEvent deleted nothing: a foreign project left alone, or no project behind the physical id.
      return { IsComplete: true };
    }
    const described = await describeIfExists(ctx, id);
    if (described === undefined) {
      if (request.requestType === 'Delete') {
        return { IsComplete: true };
      }
      throw new HandlerError(`Project ${id} no longer exists`);
    }
    const state = described.status?.state;
    switch (projectProgress(request.requestType, state)) {
      case 'InProgress':
        failIfTimedOut(request, ctx, id, state);
        return { IsComplete: false };
      case 'Complete':
        return request.requestType === 'Delete' ? { IsComplete: true } : { IsComplete: true, Data: projectData(described) };
      case 'Failed':
        throw new HandlerError(`Project ${id} ${state}: ${described.status?.reason || 'CodeStar gave no reason'}`);
      case 'Deleted':
        throw new HandlerError(`Project ${id} is being deleted (${state})`);
    }
  },
};

/**
 * The end of the wait: the timeout from now, rounded up to a whole minute (or to the timeout, when
 * shorter), so that a request delivered twice within the same minute waits until the same moment
 * in both deliveries. The rounding fits in the margin that the project's serviceTimeout keeps after
 * its timeout.
 */
export function waitDeadlineFrom(now: number, timeoutSeconds: number): number {
  const step = Math.min(60_000, timeoutSeconds * 1000);
  return Math.ceil((now + timeoutSeconds * 1000) / step) * step;
}

async function startProjectRequest(request: ResourceRequest<ProjectProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  switch (request.requestType) {
    case 'Create':
      return { PhysicalResourceId: await createOrRecognise(request.properties, request, ctx) };
    case 'Update':
      return updateProject(request, ctx);
    case 'Delete':
      return deleteProject(request, ctx);
  }
}

/**
 * Past the project's timeout, the wait ends with a reason that says so, before the provider's own
 * total timeout and the resource's ServiceTimeout (both longer), which would only say "timed out".
 */
function failIfTimedOut(request: CompletionRequest<ProjectProperties>, ctx: HandlerContext, id: string, state: string | undefined): void {
  if (request.waitDeadline === undefined || ctx.now() < request.waitDeadline) {
    return;
  }
  const timeout = request.properties?.timeoutSeconds ?? DEFAULT_PROJECT_TIMEOUT_SECONDS;
  // The project waited on: on a cancelled create's Delete the physical id is made up and names none.
  throw new HandlerError(`Project ${id} is still ${state ?? 'in progress'} after its timeout of ${timeout} seconds; `
    + 'CodeStar may still finish in the background: check the project, or give it a longer timeout');
}

/**
 * Creates the project, or recognises it. CreateProject carries this resource's own token, so a
 * project that exists already is this resource's own creation when DescribeProject answers with
 * that token (an attempt whose response was lost, a rolled-back replacement coming back), and
 * foreign otherwise: adopted when the resource declares `adopt`, a conflict when it does not.
 * An existing project is converged to the declared name, description and tags; sourceCode and
 * toolchain only apply to a project this call creates.
 */
async function createOrRecognise(properties: ProjectProperties, request: ResourceIdentity, ctx: HandlerContext): Promise<string> {
  const id = properties.id;
  const token = projectToken(request, id);
  try {
    const sourceCode = await resolveSourceCode(properties.sourceCode, ctx);
    await ctx.call('CreateProject', () => ctx.clients.codestar.send(new CreateProjectCommand({
      id,
      name: properties.name,
      description: properties.description,
      clientRequestToken: token,
      sourceCode,
      toolchain: properties.toolchain,
      tags: properties.tags,
    })));
    // A repeat of our own token is answered with success too: the project may have been created
    // by an earlier attempt, and is converged below as when it is reported as existing.
  } catch (error) {
    if (!hasErrorName(error, 'ProjectAlreadyExistsException')) {
      throw error;
    }
  }
  const described = await describeProject(ctx, id);
  const own = described.clientRequestToken === token;
  if (!own && properties.adopt !== true) {
    throw new HandlerError(`Project ${id} already exists and is not this resource's own creation, so it was left unchanged; `
      + 'to manage it from this stack, set adopt: true on the CodeStarProject; to only refer to it, use CodeStarProject.fromProjectId');
  }
  if (!own) {
    ctx.log.info('project-adopted', { projectId: id });
    logCreationOnlyInputs(ctx, id, undefined, properties);
  }
  await applyPlan(ctx, planProjectUpdate(await readProjectState(ctx, id, described), properties));
  return id;
}

/** The inputs that only apply when a project is created; secret references say where a credential is, not what the project is. */
function creationInputs(properties: Pick<ProjectProperties, 'sourceCode' | 'toolchain'>): string {
  const sourceCode = properties.sourceCode?.map(code => {
    const gitHub = code.destination.gitHub;
    if (gitHub === undefined) {
      return code;
    }
    const { tokenSecretArn: _arn, tokenSecretJsonField: _field, ...repository } = gitHub;
    return { ...code, destination: { ...code.destination, gitHub: repository } };
  });
  return canonicalJson({ sourceCode, toolchain: properties.toolchain });
}

/**
 * sourceCode and toolchain apply when a project is created and at no other time (CodeStar has no
 * call that changes them, and creates no new projects): a change of them, a new asset key
 * included, is not applied, and the log says so.
 */
function logCreationOnlyInputs(ctx: HandlerContext, id: string, old: ProjectProperties | undefined, desired: ProjectProperties): void {
  const declared = desired.sourceCode !== undefined || desired.toolchain !== undefined;
  const changed = old === undefined ? declared : creationInputs(old) !== creationInputs(desired);
  if (changed) {
    ctx.log.info('creation-only-inputs-not-applied', { projectId: id });
  }
}

/** CreateProject's `sourceCode`, with each GitHub token read from its secret for this one call. */
async function resolveSourceCode(sourceCode: readonly CodeProperty[] | undefined, ctx: HandlerContext): Promise<Code[] | undefined> {
  if (sourceCode === undefined) {
    return undefined;
  }
  const resolved: Code[] = [];
  for (const { source, destination: { codeCommit, gitHub } } of sourceCode) {
    if (gitHub === undefined) {
      resolved.push({ source, destination: { codeCommit } });
      continue;
    }
    const { tokenSecretArn: _arn, tokenSecretJsonField: _field, ...repository } = gitHub;
    const token = await readGitHubToken(ctx, gitHub);
    resolved.push({ source, destination: { codeCommit, gitHub: { ...repository, token } } });
  }
  return resolved;
}

/**
 * The physical id is the project id, so an Update with another id is a replacement: that project
 * is created or recognised (a rolled-back replacement sends the original id back to the new
 * physical id, and the original project, this resource's own, is recognised by its token), and
 * CloudFormation deletes the old one afterwards. An Update with the same id changes in place.
 */
async function updateProject(request: UpdateRequest<ProjectProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  const desired = request.properties;
  if (desired.id !== request.physicalResourceId) {
    return { PhysicalResourceId: await createOrRecognise(desired, request, ctx) };
  }
  const old = request.oldProperties;
  logCreationOnlyInputs(ctx, desired.id, old ?? desired, desired);
  const current = old ?? await readProjectState(ctx, desired.id, await describeProject(ctx, desired.id));
  await applyPlan(ctx, planProjectUpdate(current, desired));
  return { PhysicalResourceId: desired.id };
}

/**
 * Deletes what this resource may delete, and nothing else:
 * - a physical id that is no project id (CloudFormation made it up for a create it cancelled, or
 *   for a failed response without one): the declared project, only when its token proves it is
 *   this resource's own creation;
 * - a project that is neither this resource's own creation nor declared `adopt`: left untouched;
 * - a project with deletion protection: refused, unless its creation failed or is the cancelled
 *   create's own, still in progress.
 * A project whose creation failed (or was cut short) was never usable and its stack is ours alone:
 * both are removed.
 */
async function deleteProject(request: DeleteRequest<ProjectProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  const target = await deletionTarget(request, ctx);
  if (target.action === 'none') {
    return {};
  }
  const { id } = target;
  if (target.action === 'delete') {
    const { described, cancelledCreate } = target;
    // Nothing to keep: a creation that failed, or the cancelled create's own creation, still running.
    // A complete project behind a cancelled create may be one the stack kept earlier (RETAIN) and
    // this create recognised: it is protected like any other.
    const state = described?.status?.state;
    const failed = state === 'CreateFailed' || (cancelledCreate && state === 'CreateInProgress');
    // Properties that do not parse say nothing about protection: treat the project as protected.
    const protectedProject = request.properties === undefined || request.properties.deletionProtection === true;
    if (protectedProject && !failed) {
      throw new HandlerError(`Project ${id} has deletion protection and was not deleted (a deleted CodeStar project can never be created again); `
        + 'to delete it, first deploy it with deletionProtection: false; to keep it when it leaves the stack, use RemovalPolicy.RETAIN');
    }
    try {
      await ctx.call('DeleteProject', () => ctx.clients.codestar.send(new DeleteProjectCommand({
        id,
        deleteStack: failed || (request.properties?.deleteStack ?? false),
        clientRequestToken: deleteProjectToken(request, id, described ?? {}),
      })));
    } catch (error) {
      // The model lists no not-found error for DeleteProject; tolerate one anyway.
      if (!hasErrorName(error, PROJECT_NOT_FOUND)) {
        throw error;
      }
    }
  }
  // Also when it is gone or already being deleted, so that a redelivered Delete answers as the first one did.
  return { [DELETING_PROJECT_KEY]: id };
}

type DeletionTarget =
  /** Nothing of ours behind the physical id: a foreign project, or no project at all. */
  | { readonly action: 'none' }
  /** Ours, and gone or already being deleted. */
  | { readonly action: 'wait'; readonly id: string }
  | {
    readonly action: 'delete';
    readonly id: string;
    /** Undefined when the project is too broken to describe. */
    readonly described?: DescribeProjectCommandOutput;
    /** The Delete's physical id is not one the handler returned. */
    readonly cancelledCreate: boolean;
  };

/** What a Delete may do to the project behind its physical id (or, for a made-up one, behind its properties). */
async function deletionTarget(request: DeleteRequest<ProjectProperties>, ctx: HandlerContext): Promise<DeletionTarget> {
  const physicalId = request.physicalResourceId;
  const cancelledCreate = !isProjectId(physicalId);
  const id = cancelledCreate ? request.properties?.id : physicalId;
  if (id === undefined || !isProjectId(id)) {
    ctx.log.info('nothing-to-delete', { physicalResourceId: physicalId });
    return { action: 'none' };
  }
  const described = await describeBeforeDelete(ctx, id);
  if (described === undefined) {
    // Too broken to describe, so its token cannot be read: only a physical id this handler returned vouches for it.
    return cancelledCreate ? { action: 'none' } : { action: 'delete', id, cancelledCreate };
  }
  if (described === 'NotFound') {
    return cancelledCreate ? { action: 'none' } : { action: 'wait', id };
  }
  const own = described.clientRequestToken === projectToken(request, id);
  if (!own && (cancelledCreate || request.properties?.adopt !== true)) {
    ctx.log.info('foreign-project-left', { projectId: id });
    return { action: 'none' };
  }
  return isDeleting(described.status?.state) ? { action: 'wait', id } : { action: 'delete', id, described, cancelledCreate };
}

function isDeleting(state: string | undefined): boolean {
  return state === 'DeleteInProgress' || state === 'DeleteComplete';
}

/** The project as DescribeProject answers it, 'NotFound', or undefined when DescribeProject fails for a broken project. */
async function describeBeforeDelete(ctx: HandlerContext, id: string): Promise<DescribeProjectCommandOutput | 'NotFound' | undefined> {
  try {
    return await describeIfExists(ctx, id) ?? 'NotFound';
  } catch (error) {
    // A project too broken to describe (ProjectConfigurationException, ...) must still be deletable.
    if (error instanceof OperationError) {
      return undefined;
    }
    throw error;
  }
}

async function describeProject(ctx: HandlerContext, id: string): Promise<DescribeProjectCommandOutput> {
  const described = await ctx.call('DescribeProject', () => ctx.clients.codestar.send(new DescribeProjectCommand({ id })));
  // The live name and description are as sensitive as the declared ones.
  ctx.redactor.add(described.name, described.description);
  return described;
}

async function describeIfExists(ctx: HandlerContext, id: string): Promise<DescribeProjectCommandOutput | undefined> {
  try {
    return await describeProject(ctx, id);
  } catch (error) {
    if (hasErrorName(error, PROJECT_NOT_FOUND)) {
      return undefined;
    }
    throw error;
  }
}

/** The live name, description and tags: what an update is planned against when old properties are unknown. */
async function readProjectState(ctx: HandlerContext, id: string, described: DescribeProjectCommandOutput): Promise<ProjectState> {
  const tags: Record<string, string> = {};
  const pages = paginate(nextToken =>
    ctx.call('ListTagsForProject', () => ctx.clients.codestar.send(new ListTagsForProjectCommand({ id, nextToken }))));
  for await (const page of pages) {
    Object.assign(tags, page.tags);
  }
  return { id, name: described.name ?? '', description: described.description, tags };
}

async function applyPlan(ctx: HandlerContext, calls: readonly ProjectCall[]): Promise<void> {
  for (const call of calls) {
    await sendProjectCall(ctx, call);
  }
}

function sendProjectCall(ctx: HandlerContext, call: ProjectCall): Promise<unknown> {
  const codestar = ctx.clients.codestar;
  switch (call.operation) {
    case 'UpdateProject':
      return ctx.call(call.operation, () => codestar.send(new UpdateProjectCommand(call.input)));
    case 'TagProject':
      return ctx.call(call.operation, () => codestar.send(new TagProjectCommand(call.input)));
    case 'UntagProject':
      return ctx.call(call.operation, () => codestar.send(new UntagProjectCommand(call.input)));
  }
}
