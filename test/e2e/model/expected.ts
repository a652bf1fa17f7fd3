import { AccountView, MemberView, ProfileView, ProjectView, userArn } from '../helpers';
import { AppVersion, VersionMember } from './app';

/**
 * The model: what the account must hold, as a pure function of the seeded account and the app
 * versions deployed, following the ownership rules of the README ("What the handler may touch")
 * and CloudFormation's lifecycle (src/local/README.md, "Choices"). Nothing here reads the endpoint.
 *
 * Ownership is tracked as the service proves it: a project and a membership by their creation
 * token, which the handler derives from the stack id, the logical id and the identity (here: the
 * stack's generation, a new one whenever CloudFormation makes a new stack id, and the construct
 * key or membership); a profile by the physical id of the resource that made it.
 */

/** Who made a project or membership: the token's inputs, or a foreign party. */
export type Owner = string;
export const FOREIGN: Owner = 'foreign';

export interface WorldMember {
  readonly projectRole: string;
  readonly remoteAccessAllowed: boolean;
  readonly owner: Owner;
}

export interface WorldProject {
  readonly name: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly owner: Owner;
  /** By user ARN. */
  readonly members: ReadonlyMap<string, WorldMember>;
}

export interface WorldProfile {
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
}

/** The account. */
export interface World {
  readonly projects: ReadonlyMap<string, WorldProject>;
  /** By user ARN. */
  readonly profiles: ReadonlyMap<string, WorldProfile>;
}

/** What CloudFormation holds for one deployed resource. */
export interface DeployedProject { readonly projectId: string; readonly adopt: boolean; readonly retain: boolean }
export interface DeployedMember {
  readonly projectId: string;
  readonly user: string;
  readonly retain: boolean;
  /** The settings of a foreign membership it adopted, which its Delete restores. */
  readonly adopted?: { readonly projectRole: string; readonly remoteAccessAllowed: boolean };
}
export interface DeployedProfile {
  /** It existed before the create (physical id `<userArn>|existing`): never this stack's own. */
  readonly existing: boolean;
  readonly adopt: boolean;
  readonly retain: boolean;
}

/** The stack as CloudFormation holds it: the resources of the last version it deployed. */
export interface Deployed {
  /** By construct key. */
  readonly projects: ReadonlyMap<string, DeployedProject>;
  /** By membership logical id (see {@link memberLogicalId}). */
  readonly members: ReadonlyMap<string, DeployedMember>;
  /** By user. */
  readonly profiles: ReadonlyMap<string, DeployedProfile>;
}

export const NOTHING_DEPLOYED: Deployed = { projects: new Map(), members: new Map(), profiles: new Map() };

/** What a deployment of a version does: the account and stack afterwards, or the conflict that fails it. */
export type Outcome =
  | { readonly ok: true; readonly world: World; readonly deployed: Deployed; readonly created: CreatedResources }
  | { readonly ok: false; readonly conflict: string };

/** What the deployment made anew (logical resources CloudFormation creates, including replacements). */
export interface CreatedResources {
  /**
   * Projects that did not exist, made by a new logical resource (a Create): a creation that CodeStar
   * may fail asynchronously. Not those of a replacement (an Update): see the reproducer in model.test.ts.
   */
  readonly projectIds: readonly string[];
}

/**
 * Membership logical ids: a member's derives from its project id and user (so a member moved to
 * another project is another resource); the parameter member's is one fixed id (a new project is
 * a replacement).
 */
export function memberLogicalId(projectId: string, user: string, parameter: boolean): string {
  return parameter ? 'parameter-member' : `member|${projectId}|${user}`;
}

/** The owner a project's creation token names. */
export const projectOwner = (generation: number, key: string): Owner => `stack${generation}|project|${key}`;
/** The owner a membership's creation token names. */
export const memberOwner = (generation: number, logicalId: string): Owner => `stack${generation}|${logicalId}`;

interface DeclaredMember extends VersionMember { readonly projectId: string; readonly logicalId: string }

/** Every member the version declares, with its project and logical id. */
export function declaredMembers(version: AppVersion): DeclaredMember[] {
  const on = (projectId: string, parameter: boolean) => (m: VersionMember): DeclaredMember =>
    ({ ...m, projectId, logicalId: memberLogicalId(projectId, m.user, parameter) });
  return [
    ...version.projects.flatMap(p => p.members.map(on(p.projectId, false))),
    ...version.imports.flatMap(i => i.members.map(on(i.projectId, false))),
    ...(version.parameterMember ? [on(version.parameterMember.projectId, true)(version.parameterMember)] : []),
  ];
}

function sameFields(a: WorldProfile, b: WorldProfile): boolean {
  return a.displayName === b.displayName && a.emailAddress === b.emailAddress && (a.sshPublicKey ?? '') === (b.sshPublicKey ?? '');
}

const profileFields = (p: WorldProfile): WorldProfile =>
  ({ displayName: p.displayName, emailAddress: p.emailAddress, ...(p.sshPublicKey ? { sshPublicKey: p.sshPublicKey } : {}) });

/**
 * A successful deployment of `version` over the stack's `deployed` resources, in the stack of this
 * generation: creates and updates, then the cleanup of what left the stack or was replaced (the
 * old resource, with its old policy). A conflict (a foreign project or a differing foreign profile,
 * not declared for adoption) fails it; the caller then expects the rollback to leave `world` as it is.
 *
 * @param callerArn the endpoint's caller, whom CreateProject makes the project's Owner
 */
export function deploy(world: World, deployed: Deployed, version: AppVersion, generation: number, callerArn: string): Outcome {
  const projects = new Map(world.projects);
  const profiles = new Map(world.profiles);
  const createdProjects: string[] = [];
  const nextProjects = new Map<string, DeployedProject>();
  for (const p of version.projects) {
    const before = deployed.projects.get(p.key);
    const fields = { name: p.name, ...(p.description ? { description: p.description } : {}), tags: { ...p.tags } };
    const existing = projects.get(p.projectId);
    if (before?.projectId !== p.projectId) {
      // A new resource, or a replacement: CreateProject with this resource's token.
      if (existing === undefined) {
        const callerMember: WorldMember = { projectRole: 'Owner', remoteAccessAllowed: false, owner: FOREIGN };
        projects.set(p.projectId, { ...fields, owner: projectOwner(generation, p.key), members: new Map([[callerArn, callerMember]]) });
        if (before === undefined) {
          createdProjects.push(p.projectId);
        }
      } else if (existing.owner !== projectOwner(generation, p.key) && !p.adopt) {
        return { ok: false, conflict: `project ${p.projectId} (${p.key}) is not this resource's own` };
      } else {
        projects.set(p.projectId, { owner: existing.owner, members: existing.members, ...fields });
      }
    } else {
      projects.set(p.projectId, { owner: existing!.owner, members: existing!.members, ...fields });
    }
    nextProjects.set(p.key, { projectId: p.projectId, adopt: p.adopt, retain: p.retain });
  }

  const nextMembers = new Map<string, DeployedMember>();
  for (const m of declaredMembers(version)) {
    const before = deployed.members.get(m.logicalId);
    const project = projects.get(m.projectId);
    if (project === undefined) {
      throw new Error(`model: a member of ${m.projectId}, which does not exist (the generator should have dropped it)`);
    }
    const arn = userArn(m.user);
    const settings = { projectRole: m.role as string, remoteAccessAllowed: m.remoteAccessAllowed };
    const members = new Map(project.members);
    let adopted = before?.adopted;
    if (before?.projectId !== m.projectId || before?.user !== m.user) {
      const existing = members.get(arn);
      const owner = memberOwner(generation, m.logicalId);
      // Its own (a token that repeats) or none: converged to the declaration; foreign: adopted, its settings kept for the Delete.
      adopted = existing === undefined || existing.owner === owner
        ? undefined
        : { projectRole: existing.projectRole, remoteAccessAllowed: existing.remoteAccessAllowed };
      members.set(arn, { ...settings, owner: existing?.owner ?? owner });
    } else {
      members.set(arn, { ...members.get(arn)!, ...settings });
    }
    projects.set(m.projectId, { ...project, members });
    nextMembers.set(m.logicalId, { projectId: m.projectId, user: m.user, retain: m.retain, ...(adopted ? { adopted } : {}) });
  }

  const nextProfiles = new Map<string, DeployedProfile>();
  for (const p of version.profiles) {
    const arn = userArn(p.user);
    const before = deployed.profiles.get(p.user);
    const current = profiles.get(arn);
    const existing = before?.existing ?? current !== undefined;
    if (existing && !p.adopt && !sameFields(current!, p)) {
      return { ok: false, conflict: `profile of ${p.user} exists with other settings and is not this resource's own` };
    }
    profiles.set(arn, profileFields(p));
    nextProfiles.set(p.user, { existing, adopt: p.adopt, retain: p.retain ?? p.adopt });
  }

  // Cleanup: members before their projects (reverse dependency order); a deleted project takes its members with it.
  // A replaced resource's old one goes by the new template's UpdateReplacePolicy; a removed one by its DeletionPolicy.
  for (const [logicalId, m] of deployed.members) {
    const now = nextMembers.get(logicalId);
    if ((now?.projectId === m.projectId && now?.user === m.user) || (now ?? m).retain) {
      continue;
    }
    const project = projects.get(m.projectId);
    if (project === undefined) {
      continue;
    }
    const members = new Map(project.members);
    const arn = userArn(m.user);
    if (m.adopted) {
      members.set(arn, { ...members.get(arn)!, ...m.adopted });
    } else {
      members.delete(arn);
    }
    projects.set(m.projectId, { ...project, members });
  }
  for (const [key, p] of deployed.projects) {
    const now = nextProjects.get(key);
    if (now?.projectId === p.projectId || (now ?? p).retain) {
      continue;
    }
    const project = projects.get(p.projectId);
    if (project !== undefined && (project.owner === projectOwner(generation, key) || p.adopt)) {
      projects.delete(p.projectId);
    }
  }
  for (const [user, p] of deployed.profiles) {
    if (nextProfiles.has(user) || p.retain) {
      continue;
    }
    if (!p.existing || p.adopt) {
      profiles.delete(userArn(user));
    }
  }
  return {
    ok: true,
    world: { projects, profiles },
    deployed: { projects: nextProjects, members: nextMembers, profiles: nextProfiles },
    created: { projectIds: createdProjects },
  };
}

/** The account as readAccount answers it. */
export function accountView(world: World): AccountView {
  const byArn = (a: { userArn: string }, b: { userArn: string }) => a.userArn.localeCompare(b.userArn);
  const projects: ProjectView[] = [...world.projects.entries()].map(([id, p]) => ({
    id,
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    state: 'CreateComplete',
    tags: { ...p.tags },
    members: [...p.members.entries()]
      .map(([arn, m]): MemberView => ({ userArn: arn, projectRole: m.projectRole, remoteAccessAllowed: m.remoteAccessAllowed }))
      .sort(byArn),
  }));
  const profiles: ProfileView[] = [...world.profiles.entries()].map(([arn, p]) => ({ userArn: arn, ...profileFields(p) }));
  return { projects: projects.sort((a, b) => a.id.localeCompare(b.id)), profiles: profiles.sort(byArn) };
}
