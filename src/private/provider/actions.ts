/*
 * What the handler may do to the resources it is granted, by kind of resource: the CodeStar
 * actions its calls need, and nothing more. Every grant is scoped to the ARNs of the stack's own
 * projects and users (grant-chunks.ts).
 */

const PROJECT_ACTIONS = [
  'codestar:CreateProject',
  'codestar:DescribeProject',
  'codestar:UpdateProject',
  'codestar:DeleteProject',
  'codestar:TagProject',
  'codestar:UntagProject',
  'codestar:ListTagsForProject',
];

const TEAM_MEMBER_ACTIONS = [
  'codestar:AssociateTeamMember',
  'codestar:UpdateTeamMember',
  'codestar:DisassociateTeamMember',
  'codestar:ListTeamMembers',
];

const USER_PROFILE_ACTIONS = [
  'codestar:CreateUserProfile',
  'codestar:UpdateUserProfile',
  'codestar:DeleteUserProfile',
  'codestar:DescribeUserProfile',
];

/** What a resource-scoped grant lets the handler do. */
export interface GrantKind {
  readonly sid: string;
  readonly actions: string[];
}

/** A stack's own projects: the project and its team, in one statement. */
export const OWN_PROJECTS: GrantKind = { sid: 'Projects', actions: [...PROJECT_ACTIONS, ...TEAM_MEMBER_ACTIONS] };
/** The teams of projects of other stacks, or imported. */
export const TEAMS: GrantKind = { sid: 'Teams', actions: TEAM_MEMBER_ACTIONS };
/** The profiles of the stack's users. */
export const PROFILES: GrantKind = { sid: 'Profiles', actions: USER_PROFILE_ACTIONS };
