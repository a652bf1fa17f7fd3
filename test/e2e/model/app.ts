import { CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CodeStarProject, ProjectRole, TeamMember } from '../../../src';
import { AppSpec, buildApp, MemberSpec, ProfileSpec, ProjectSpec, user } from '../helpers';

/**
 * The apps of the model-based test: one stack, small, declared as data (an AppVersion), so that the
 * expected account is a pure function of the versions deployed (./expected.ts) and a failing
 * sequence prints as plain JSON that replays it.
 */

/** The stack every sequence deploys. */
export const MODEL_STACK = 'Model';

/** Users of declared members and profiles. */
export const USERS = ['ua', 'ub', 'uc'] as const;
/** The user of the parameter member only, so that no other member of the app can be the same membership. */
export const PARAMETER_USER = 'ud';

/** The own-project slots: each its construct id and the ids it may have (a change of id replaces it). */
export const PROJECT_SLOTS = {
  P0: ['m0-a', 'm0-b'],
  P1: ['m1-a', 'm1-b'],
} as const;
export type ProjectSlot = keyof typeof PROJECT_SLOTS;

/** Another stack's project (seeded with that stack's creation token), and a team project nobody deploys. */
export const OTHER_PROJECT = 'f-other';
export const TEAM_PROJECT = 'f-team';
export const FOREIGN_PROJECTS = [OTHER_PROJECT, TEAM_PROJECT] as const;
export type ForeignProject = typeof FOREIGN_PROJECTS[number];

/**
 * Construct ids of a CodeStarProject declared with the other stack's project id: `Adopt` with
 * `adopt: true`, `Claim` without (a conflict while the project is someone else's).
 */
export type ForeignProjectKey = 'Adopt' | 'Claim';
export type ProjectKey = ProjectSlot | ForeignProjectKey;

export interface VersionMember {
  readonly user: string;
  readonly role: ProjectRole;
  readonly remoteAccessAllowed: boolean;
  readonly retain: boolean;
}

export interface VersionProject {
  readonly key: ProjectKey;
  readonly projectId: string;
  readonly name: string;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly retain: boolean;
  readonly adopt: boolean;
  readonly members: readonly VersionMember[];
}

/** Members of a foreign project, imported with `CodeStarProject.fromProjectId`. */
export interface VersionImport {
  readonly projectId: ForeignProject;
  readonly members: readonly VersionMember[];
}

/**
 * A TeamMember whose project id is a CfnParameter: its logical id stays when the parameter changes,
 * so another project is a replacement (an Update answering a new physical id), as in the field.
 */
export interface VersionParameterMember extends VersionMember {
  readonly projectId: ForeignProject;
}

export interface VersionProfile {
  readonly user: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
  readonly adopt: boolean;
  /** @default the library's: RETAIN with adopt, else DESTROY */
  readonly retain?: boolean;
}

/** One version of the app. */
export interface AppVersion {
  readonly projects: readonly VersionProject[];
  readonly imports: readonly VersionImport[];
  readonly parameterMember?: VersionParameterMember;
  readonly profiles: readonly VersionProfile[];
}

export const EMPTY_VERSION: AppVersion = { projects: [], imports: [], profiles: [] };

/** The CfnParameter the parameter member's project id comes from. */
export const MEMBER_PROJECT_PARAMETER = 'MemberProjectId';

const memberSpec = (m: VersionMember): MemberSpec => ({ user: m.user, role: m.role, remoteAccessAllowed: m.remoteAccessAllowed, retain: m.retain });

/** The version as the e2e harness's AppSpec (everything but the parameter member). */
export function appSpecOf(version: AppVersion): AppSpec {
  const projects: ProjectSpec[] = [
    ...version.projects.map(p => ({
      key: p.key,
      projectId: p.projectId,
      name: p.name,
      description: p.description,
      tags: p.tags,
      retain: p.retain,
      adopt: p.adopt,
      members: p.members.map(memberSpec),
    })),
    ...version.imports.map(i => ({ key: `Import-${i.projectId}`, projectId: i.projectId, name: i.projectId, imported: true, members: i.members.map(memberSpec) })),
  ];
  const profiles: ProfileSpec[] = version.profiles.map(p => ({
    user: p.user,
    displayName: p.displayName,
    emailAddress: p.emailAddress,
    sshPublicKey: p.sshPublicKey,
    adopt: p.adopt,
    retain: p.retain,
  }));
  return { projects, profiles };
}

/** Adds the version's constructs to the stack, with the library's public API only. */
export function buildVersion(stack: Stack, version: AppVersion): void {
  buildApp(stack, appSpecOf(version));
  const m = version.parameterMember;
  if (m !== undefined) {
    const projectId = new CfnParameter(stack, MEMBER_PROJECT_PARAMETER, { type: 'String' });
    new TeamMember(stack, 'ParameterMember', {
      project: CodeStarProject.fromProjectId(stack, 'ParameterProject', projectId.valueAsString),
      user: user(stack, m.user),
      role: m.role,
      remoteAccessAllowed: m.remoteAccessAllowed,
      removalPolicy: m.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}

/** The runner's parameter values for the version. */
export function parametersOf(version: AppVersion): Record<string, string> {
  return version.parameterMember === undefined ? {} : { [MEMBER_PROJECT_PARAMETER]: version.parameterMember.projectId };
}
