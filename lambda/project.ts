import {
  Code,
  CreateProjectCommand,
  DeleteProjectCommand,
  DescribeProjectCommand,
  DescribeProjectCommandOutput,
  ListTagsForProjectCommand,
  TagProjectCommand,
  TagProjectCommandInput,
  UntagProjectCommand,
  UntagProjectCommandInput,
  UpdateProjectCommand,
  UpdateProjectCommandInput,
} from '@aws-sdk/client-codestar';
import { HandlerError, hasErrorName, OperationError } from './errors';
import { Data, IsCompleteResponse, OnEventResponse, RequestType, WAIT_DEADLINE_KEY } from './event';
import { readGitHubToken } from './github-token';
import type { CompletionRequest, DeleteRequest, HandlerContext, ResourceHandler, ResourceRequest, UpdateRequest } from './handler';
import { isProjectId } from './identifiers';
import { paginate } from './paginate';
import { parseProjectProperties } from './properties';
import { creationFingerprint, fingerprintOfToken, projectCreationToken, RequestIdentity, requestToken } from './tokens';
import { CodeProperty, DEFAULT_PROJECT_TIMEOUT_SECONDS, ProjectAttributes, ProjectProperties } from '../src/private/contract';

/**
 * Custom::CodeStarProject. Physical id: the project id. CodeStar creates and deletes projects
 * asynchronously, so onEvent starts the work and isComplete polls DescribeProject until the state
 * is final.
 */

/** What an update can change in place. */
export type ProjectState = Pick<ProjectProperties, 'id' | 'name' | 'description' | 'tags'>;

export type ProjectCall =
  | { readonly operation: 'UpdateProject'; readonly input: UpdateProjectCommandInput }
  | { readonly operation: 'TagProject'; readonly input: TagProjectCommandInput }
  | { readonly operation: 'UntagProject'; readonly input: UntagProjectCommandInput };

/** Where a project is, seen from the request that is waiting on it. */
export type ProjectProgress = 'InProgress' | 'Complete' | 'Failed' | 'Deleted';

const PROJECT_NOT_FOUND = 'ProjectNotFoundException';

/**
 * The calls that take a project from `current` to `desired`: UpdateProject with only the changed
 * members (a removed description becomes ''), TagProject with added or changed tags, UntagProject
 * with removed keys. Nothing at all when nothing changed.
 */
export function planProjectUpdate(current: ProjectState, desired: ProjectState): ProjectCall[] {
  const id = desired.id;
  const calls: ProjectCall[] = [];

  const nameChanged = current.name !== desired.name;
  const descriptionChanged = (current.description ?? '') !== (desired.description ?? '');
  if (nameChanged || descriptionChanged) {
    calls.push({
      operation: 'UpdateProject',
      input: {
        id,
        ...(nameChanged ? { name: desired.name } : {}),
        ...(descriptionChanged ? { description: desired.description ?? '' } : {}),
      },
    });
  }

  const currentTags = current.tags ?? {};
  const desiredTags = desired.tags ?? {};
  const tagsToSet = Object.fromEntries(Object.entries(desiredTags)
    .filter(([key, value]) => !Object.hasOwn(currentTags, key) || currentTags[key] !== value));
  const keysToRemove = Object.keys(currentTags).filter(key => !Object.hasOwn(desiredTags, key));
  if (Object.keys(tagsToSet).length > 0) {
    calls.push({ operation: 'TagProject', input: { id, tags: tagsToSet } });
  }
  if (keysToRemove.length > 0) {
    calls.push({ operation: 'UntagProject', input: { id, tags: keysToRemove } });
  }
  return calls;
}

/** Maps a DescribeProject state onto what the waiting request should do. */
export function projectProgress(requestType: RequestType, state: string | undefined): ProjectProgress {
  if (requestType === 'Delete') {
    switch (state) {
      case 'DeleteComplete': return 'Complete';
      case 'DeleteFailed': return 'Failed';
      // Still there, whatever it says (DeleteInProgress, or a state the delete has not reached yet).
      default: return 'InProgress';
    }
  }
  switch (state) {
    // Projects from before CodeStar reported a status have none: they exist and nothing is running.
    case undefined:
    case 'CreateComplete':
    case 'UpdateComplete':
      return 'Complete';
    case 'CreateFailed':
    case 'UpdateFailed':
      return 'Failed';
    case 'DeleteInProgress':
    case 'DeleteComplete':
    case 'DeleteFailed':
      return 'Deleted';
    // CreateInProgress, UpdateInProgress, Unknown: wait; the provider's total timeout bounds this.
    default:
      return 'InProgress';
  }
}

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
    const id = request.physicalResourceId;
    if (request.requestType === 'Delete' && !isProjectId(id)) {
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
        failIfTimedOut(request, ctx, state);
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
 * shorter). The framework starts the waiter with onEvent's response as input and the RequestId as
 * execution name, and Step Functions accepts a second start of that name only with the same input:
 * an onEvent delivered twice within the same minute must return the same deadline. The rounding
 * fits in the margin that the project's serviceTimeout keeps after its timeout.
 */
export function waitDeadlineFrom(now: number, timeoutSeconds: number): number {
  const step = Math.min(60_000, timeoutSeconds * 1000);
  return Math.ceil((now + timeoutSeconds * 1000) / step) * step;
}

async function startProjectRequest(request: ResourceRequest<ProjectProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  switch (request.requestType) {
    case 'Create':
      return { PhysicalResourceId: await createProject(request.properties, request, ctx) };
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
function failIfTimedOut(request: CompletionRequest<ProjectProperties>, ctx: HandlerContext, state: string | undefined): void {
  if (request.waitDeadline === undefined || ctx.now() < request.waitDeadline) {
    return;
  }
  const timeout = request.properties?.timeoutSeconds ?? DEFAULT_PROJECT_TIMEOUT_SECONDS;
  throw new HandlerError(`Project ${request.physicalResourceId} is still ${state ?? 'in progress'} after its timeout of ${timeout} seconds; `
    + 'CodeStar may still finish in the background: check the project, or give it a longer timeout');
}

async function createProject(properties: ProjectProperties, request: RequestIdentity, ctx: HandlerContext): Promise<string> {
  const sourceCode = await resolveSourceCode(properties.sourceCode, ctx);
  await ctx.call('CreateProject', () => ctx.clients.codestar.send(new CreateProjectCommand({
    id: properties.id,
    name: properties.name,
    description: properties.description,
    // Same event, same token: a redelivered Create returns the project the first one started.
    clientRequestToken: projectCreationToken(properties, request),
    sourceCode,
    toolchain: properties.toolchain,
    tags: properties.tags,
  })));
  return properties.id;
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

async function updateProject(request: UpdateRequest<ProjectProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  const desired = request.properties;
  if (desired.id !== request.physicalResourceId) {
    return { PhysicalResourceId: await replaceProject(request, ctx) };
  }
  const old = request.oldProperties;
  const current = old !== undefined && creationFingerprint(old) === creationFingerprint(desired)
    ? old
    : await checkedCurrentState(ctx, desired, old);
  await applyPlan(ctx, planProjectUpdate(current, desired));
  return { PhysicalResourceId: desired.id };
}

/**
 * sourceCode and toolchain only apply at creation. They differ between old and new in two cases:
 * the user changed them (reject: only a new project can have them), or CloudFormation is rolling
 * back exactly that rejected update with old and new swapped (must succeed). The project's token
 * holds the fingerprint it was created from, which tells the two apart.
 */
async function checkedCurrentState(ctx: HandlerContext, desired: ProjectProperties, old: ProjectProperties | undefined): Promise<ProjectState> {
  const described = await describeProject(ctx, desired.id);
  if (fingerprintOfToken(described.clientRequestToken) !== creationFingerprint(desired)) {
    throw new HandlerError(
      `sourceCode and toolchain of project ${desired.id} only apply when it is created and cannot be changed in place; `
      + 'to change them, give the project a new projectId (this replaces the project)');
  }
  return old ?? readProjectState(ctx, desired.id, described);
}

/**
 * A new project id: create that project; CloudFormation deletes the old one afterwards. When a
 * replacement is rolled back, CloudFormation sends the original properties as an Update to the new
 * project, and the original project still exists: it is recognised by its creation fingerprint
 * and kept (converged to the properties) instead of failing the rollback.
 */
async function replaceProject(request: UpdateRequest<ProjectProperties>, ctx: HandlerContext): Promise<string> {
  const desired = request.properties;
  try {
    return await createProject(desired, request, ctx);
  } catch (error) {
    if (!hasErrorName(error, 'ProjectAlreadyExistsException')) {
      throw error;
    }
    const described = await describeProject(ctx, desired.id);
    if (fingerprintOfToken(described.clientRequestToken) !== creationFingerprint(desired)) {
      throw error;
    }
    ctx.log.info('existing-project-kept', { projectId: desired.id });
    await applyPlan(ctx, planProjectUpdate(await readProjectState(ctx, desired.id, described), desired));
    return desired.id;
  }
}

async function deleteProject(request: DeleteRequest<ProjectProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  const id = request.physicalResourceId;
  if (!isProjectId(id)) {
    ctx.log.info('nothing-to-delete', { physicalResourceId: id });
    return {};
  }
  const state = await stateBeforeDelete(ctx, id);
  if (state === 'NotFound' || state === 'DeleteInProgress' || state === 'DeleteComplete') {
    return {};
  }
  // A project whose creation failed was never usable and its stack is ours alone: remove both.
  const deleteStack = state === 'CreateFailed' || (request.properties?.deleteStack ?? false);
  try {
    await ctx.call('DeleteProject', () => ctx.clients.codestar.send(new DeleteProjectCommand({
      id,
      deleteStack,
      clientRequestToken: requestToken(request),
    })));
  } catch (error) {
    // The model lists no not-found error for DeleteProject; tolerate one anyway.
    if (!hasErrorName(error, PROJECT_NOT_FOUND)) {
      throw error;
    }
  }
  return {};
}

/** The project's state, 'NotFound', or undefined when DescribeProject fails for a broken project. */
async function stateBeforeDelete(ctx: HandlerContext, id: string): Promise<string | undefined> {
  try {
    const described = await describeIfExists(ctx, id);
    return described === undefined ? 'NotFound' : described.status?.state;
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
