import { notFound, ServiceError } from './errors';
import { CodeStarOperation, loadModel } from './model';
import { Paginator } from './pagination';
import { redactSensitive } from './shapes';
import { CodeStarStore, ProjectRecord, TeamMemberRecord, UserProfileRecord } from './store';

/**
 * The 18 operations over the store. Inputs arrive validated against the model, so handlers only
 * implement behaviour; outputs are shaped to the model by the caller.
 */

export interface OperationContext {
  readonly store: CodeStarStore;
  readonly paginator: Paginator;
  readonly callerUserArn: string;
  readonly now: () => Date;
  readonly maxTagsPerProject: number;
  readonly maxTeamMembers: number;
}

type Input = Record<string, any>;
type Output = Record<string, unknown>;
type Handler = (input: Input, ctx: OperationContext) => Output;

export const OPERATION_HANDLERS: Readonly<Record<CodeStarOperation, Handler>> = {
  CreateProject(input, ctx) {
    if ((input.sourceCode === undefined) !== (input.toolchain === undefined)) {
      // Documented, not modelled: "If a sourceCode is specified, the request must also include the toolchain" (and back).
      const missing = input.sourceCode === undefined ? 'sourceCode' : 'toolchain';
      throw new ServiceError('ValidationException',
        `1 validation error detected: Value null at '${missing}' failed to satisfy constraint: sourceCode and toolchain must be specified together`);
    }
    const existing = ctx.store.project(input.id);
    if (existing) {
      if (input.clientRequestToken !== undefined && input.clientRequestToken === existing.clientRequestToken) {
        return createProjectResult(existing);
      }
      throw new ServiceError('ProjectAlreadyExistsException', `A project with the ID ${input.id} already exists in this region for this account.`);
    }
    checkTagLimit(Object.keys(input.tags ?? {}).length, ctx);
    // Kept for inspection with sensitive members (the GitHub token, stack parameter values) masked.
    const redacted = redactSensitive(input, loadModel().operations.CreateProject.input) as Input;
    const project = ctx.store.newProject({
      id: input.id,
      name: input.name,
      description: input.description,
      clientRequestToken: input.clientRequestToken,
      tags: input.tags,
      sourceCode: redacted.sourceCode,
      toolchain: redacted.toolchain,
      state: 'CreateInProgress',
      owner: ctx.callerUserArn,
      asynchronous: true,
    });
    return createProjectResult(project);
  },

  DescribeProject(input, ctx) {
    const p = ctx.store.describeProject(input.id);
    if (!p) {
      throw notFound(input.id);
    }
    return {
      name: p.name,
      id: p.id,
      arn: p.arn,
      description: p.description,
      clientRequestToken: p.clientRequestToken,
      createdTimeStamp: p.createdTimeStamp,
      stackId: p.stackId,
      projectTemplateId: p.projectTemplateId,
      status: { ...p.status },
    };
  },

  DeleteProject(input, ctx) {
    const p = ctx.store.project(input.id);
    if (!p) {
      // The model lists no not-found error for DeleteProject: deleting a missing project succeeds.
      return {};
    }
    ctx.store.startDelete(input.id, input.deleteStack ?? false);
    return { stackId: p.stackId, projectArn: p.arn };
  },

  UpdateProject(input, ctx) {
    const p = requireProject(input.id, ctx);
    if (input.name !== undefined) {
      p.name = input.name;
    }
    if (input.description !== undefined) {
      p.description = input.description;
    }
    return {};
  },

  ListProjects(input, ctx) {
    const page = ctx.paginator.page(ctx.store.allProjects(), 'ListProjects', input);
    return { projects: page.items.map(p => ({ projectId: p.id, projectArn: p.arn })), nextToken: page.nextToken };
  },

  ListResources(input, ctx) {
    const p = requireProject(input.projectId, ctx);
    const page = ctx.paginator.page(p.resources, `ListResources:${p.id}`, input);
    return { resources: page.items.map(id => ({ id })), nextToken: page.nextToken };
  },

  TagProject(input, ctx) {
    const p = requireProject(input.id, ctx);
    const merged = { ...p.tags, ...input.tags };
    checkTagLimit(Object.keys(merged).length, ctx);
    p.tags = merged;
    return { tags: { ...merged } };
  },

  UntagProject(input, ctx) {
    const p = requireProject(input.id, ctx);
    for (const key of input.tags as string[]) {
      delete p.tags[key];
    }
    return {};
  },

  ListTagsForProject(input, ctx) {
    const p = requireProject(input.id, ctx);
    const page = ctx.paginator.page(Object.entries(p.tags), `ListTagsForProject:${p.id}`, input);
    return { tags: Object.fromEntries(page.items), nextToken: page.nextToken };
  },

  AssociateTeamMember(input, ctx) {
    const members = requireMembers(input.projectId, ctx);
    const existing = members.get(input.userArn);
    if (existing) {
      if (input.clientRequestToken !== undefined && input.clientRequestToken === existing.clientRequestToken) {
        return { clientRequestToken: existing.clientRequestToken };
      }
      throw new ServiceError('TeamMemberAlreadyAssociatedException',
        `The user ${input.userArn} is already associated with the project ${input.projectId}.`);
    }
    if (members.size >= ctx.maxTeamMembers) {
      throw new ServiceError('LimitExceededException', `A project can have at most ${ctx.maxTeamMembers} team members.`);
    }
    members.set(input.userArn, {
      userArn: input.userArn,
      projectRole: input.projectRole,
      remoteAccessAllowed: input.remoteAccessAllowed ?? false,
      clientRequestToken: input.clientRequestToken,
    });
    return { clientRequestToken: input.clientRequestToken };
  },

  DisassociateTeamMember(input, ctx) {
    // A member that is not on the team is success (no not-found error is modelled for it).
    requireMembers(input.projectId, ctx).delete(input.userArn);
    return {};
  },

  UpdateTeamMember(input, ctx) {
    const member = requireMembers(input.projectId, ctx).get(input.userArn);
    if (!member) {
      throw new ServiceError('TeamMemberNotFoundException', `The user ${input.userArn} is not a team member of the project ${input.projectId}.`);
    }
    if (input.projectRole !== undefined) {
      member.projectRole = input.projectRole;
    }
    if (input.remoteAccessAllowed !== undefined) {
      member.remoteAccessAllowed = input.remoteAccessAllowed;
    }
    return teamMemberView(member);
  },

  ListTeamMembers(input, ctx) {
    const members = [...requireMembers(input.projectId, ctx).values()];
    const page = ctx.paginator.page(members, `ListTeamMembers:${input.projectId}`, input);
    return { teamMembers: page.items.map(teamMemberView), nextToken: page.nextToken };
  },

  CreateUserProfile(input, ctx) {
    if (ctx.store.profile(input.userArn)) {
      throw new ServiceError('UserProfileAlreadyExistsException', `A user profile for ${input.userArn} already exists.`);
    }
    const now = ctx.now();
    const profile: UserProfileRecord = {
      userArn: input.userArn,
      displayName: input.displayName,
      emailAddress: input.emailAddress,
      sshPublicKey: input.sshPublicKey,
      createdTimestamp: now,
      lastModifiedTimestamp: now,
    };
    ctx.store.putProfile(profile);
    return { ...profile };
  },

  DescribeUserProfile(input, ctx) {
    return { ...requireProfile(input.userArn, ctx) };
  },

  UpdateUserProfile(input, ctx) {
    const profile = requireProfile(input.userArn, ctx);
    for (const key of ['displayName', 'emailAddress', 'sshPublicKey'] as const) {
      if (input[key] !== undefined) {
        profile[key] = input[key];
      }
    }
    profile.lastModifiedTimestamp = ctx.now();
    return { ...profile };
  },

  DeleteUserProfile(input, ctx) {
    // No not-found error is modelled: deleting a missing profile succeeds.
    ctx.store.deleteProfile(input.userArn);
    return { userArn: input.userArn };
  },

  ListUserProfiles(input, ctx) {
    const page = ctx.paginator.page(ctx.store.allProfiles(), 'ListUserProfiles', input);
    return {
      userProfiles: page.items.map(({ userArn, displayName, emailAddress, sshPublicKey }) => ({ userArn, displayName, emailAddress, sshPublicKey })),
      nextToken: page.nextToken,
    };
  },
};

function createProjectResult(p: ProjectRecord): Output {
  return { id: p.id, arn: p.arn, clientRequestToken: p.clientRequestToken, projectTemplateId: p.projectTemplateId };
}

function teamMemberView(m: TeamMemberRecord): Output {
  return { userArn: m.userArn, projectRole: m.projectRole, remoteAccessAllowed: m.remoteAccessAllowed };
}

function requireProject(id: string, ctx: OperationContext): ProjectRecord {
  const p = ctx.store.project(id);
  if (!p) {
    throw notFound(id);
  }
  return p;
}

function requireMembers(projectId: string, ctx: OperationContext): Map<string, TeamMemberRecord> {
  const members = ctx.store.members(projectId);
  if (!members) {
    throw notFound(projectId);
  }
  return members;
}

function requireProfile(userArn: string, ctx: OperationContext): UserProfileRecord {
  const profile = ctx.store.profile(userArn);
  if (!profile) {
    throw new ServiceError('UserProfileNotFoundException', `The user profile for ${userArn} was not found.`);
  }
  return profile;
}

function checkTagLimit(count: number, ctx: OperationContext): void {
  if (count > ctx.maxTagsPerProject) {
    throw new ServiceError('LimitExceededException', `A project can have at most ${ctx.maxTagsPerProject} tags.`);
  }
}
