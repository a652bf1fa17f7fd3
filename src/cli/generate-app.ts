import type { LiveProject, LiveTeamMember, LiveUserProfile } from './codestar';
import { isProjectRole, isUserArn } from '../private/identifiers';
import { sha256 } from '../private/sha256';

/**
 * The code generator of `cdk-codestar import`: what was read of an account in, the TypeScript CDK
 * app that declares it out. Pure: the same account gives the same file, byte for byte.
 */

/** A project as read, with what belongs to it. */
export interface ReadProject {
  readonly project: LiveProject;
  readonly members: readonly LiveTeamMember[];
  /** ListResources: the project's own stack resources, which the app does not declare. */
  readonly resources: readonly string[];
}

/** What `import` read, for one account and region. */
export interface ReadAccount {
  readonly account: string;
  readonly region: string;
  /** The projects to declare. */
  readonly projects: readonly ReadProject[];
  /** The profiles to declare. */
  readonly profiles: readonly LiveUserProfile[];
  /** Projects that were read but are left out, with the reason. */
  readonly skippedProjects: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

export interface GenerateOptions {
  /** The stack's id (its CloudFormation name). */
  readonly stackName: string;
  /** Import the projects by id and declare their teams only: no project, no profile of their own. */
  readonly teamOnly: boolean;
  /** The file's name, for the command line in its header. */
  readonly fileName: string;
}

/** The file and what it declares. */
export interface GeneratedApp {
  readonly source: string;
  readonly projects: number;
  readonly members: number;
  readonly profiles: number;
  readonly users: number;
  /** Team members left out because the constructs cannot declare them. */
  readonly leftOutMembers: number;
  readonly hasSshKeys: boolean;
}

/** The name of the stack class the file exports. */
export const STACK_CLASS = 'CodeStarAccountStack';
/** The name of the environment constant the file exports. */
export const ENVIRONMENT_CONST = 'CODESTAR_ENVIRONMENT';

const ROLES: Readonly<Record<string, string>> = { Owner: 'OWNER', Contributor: 'CONTRIBUTOR', Viewer: 'VIEWER' };

/**
 * A TypeScript string literal of any string: JSON.stringify's escaping (quotes, backslashes, control
 * characters) plus the two line terminators it leaves raw, re-quoted with single quotes for the
 * project's lint rules. Safe in code and in `//` comments alike: it never contains a line break.
 */
export function literal(value: string): string {
  const escaped = JSON.stringify(value)
    .slice(1, -1)
    .replace(/\\"/g, '"')
    .replace(/'/g, "\\'")
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `'${escaped}'`;
}

interface DeclaredUser {
  readonly arn: string;
  readonly variable: string;
  readonly constructId: string;
}

/** Generates the app. */
export function generateApp(read: ReadAccount, options: GenerateOptions): GeneratedApp {
  const projects = [...read.projects].sort((a, b) => compare(a.project.id, b.project.id));
  const leftOut: Array<{ projectId: string; member: LiveTeamMember }> = [];
  const teams = new Map<string, LiveTeamMember[]>();
  for (const { project, members } of projects) {
    const declarable: LiveTeamMember[] = [];
    for (const member of [...members].sort((a, b) => compare(userOrder(a.userArn), userOrder(b.userArn)))) {
      if (isUserArn(member.userArn) && isProjectRole(member.projectRole)) {
        declarable.push(member);
      } else {
        leftOut.push({ projectId: project.id, member });
      }
    }
    teams.set(project.id, declarable);
  }
  const profiles = options.teamOnly ? [] : [...read.profiles].filter(p => isUserArn(p.userArn))
    .sort((a, b) => compare(userOrder(a.userArn), userOrder(b.userArn)));

  const userArns = new Set<string>([...[...teams.values()].flat().map(m => m.userArn), ...profiles.map(p => p.userArn)]);
  const users = declareUsers([...userArns]);
  const projectNames = uniqueNames(projects.map(p => p.project.id), id => id);

  const memberCount = [...teams.values()].reduce((n, team) => n + team.length, 0);
  const hasSshKeys = profiles.some(p => p.sshPublicKey !== '');
  const hasTags = !options.teamOnly && projects.some(p => Object.keys(p.project.tags).length > 0);

  const lines: string[] = [];
  lines.push(...header(read, options, { projects, profiles, leftOut, memberCount, hasSshKeys }));
  lines.push('');
  lines.push(...imports({ tags: hasTags, iam: users.size > 0, role: memberCount > 0, profile: profiles.length > 0 }));
  lines.push('');
  lines.push('/** The account and region the declarations were read from: a deploy to any other fails instead of declaring them there. */');
  lines.push(`export const ${ENVIRONMENT_CONST} = { account: ${literal(read.account)}, region: ${literal(read.region)} };`);
  lines.push('');
  lines.push('/**');
  lines.push(` * The CodeStar ${options.teamOnly ? 'teams' : 'projects, teams and user profiles'} of account ${read.account} in ${read.region}, as they were`);
  lines.push(' * when `cdk-codestar import` read them: deploying it changes nothing.');
  lines.push(' */');
  lines.push(`export class ${STACK_CLASS} extends Stack {`);
  lines.push('  constructor(scope: Construct, id: string, props: Omit<StackProps, \'env\'> = {}) {');
  lines.push(`    super(scope, id, { ...props, env: ${ENVIRONMENT_CONST} });`);

  if (users.size > 0) {
    lines.push('');
    lines.push('    // The IAM users, imported by ARN: one construct per user, shared by their memberships and profile.');
    for (const user of users.values()) {
      lines.push(`    const ${user.variable} = iam.User.fromUserArn(this, ${literal(user.constructId)}, ${literal(user.arn)});`);
    }
  }

  for (const { project } of projects) {
    const variable = `project${projectNames.get(project.id)}`;
    const constructId = `Project-${project.id}`;
    lines.push('');
    if (options.teamOnly) {
      lines.push(`    const ${variable} = CodeStarProject.fromProjectId(this, ${literal(constructId)}, ${literal(project.id)});`);
    } else {
      lines.push(`    const ${variable} = new CodeStarProject(this, ${literal(constructId)}, {`);
      lines.push(`      projectId: ${literal(project.id)},`);
      lines.push(`      projectName: ${literal(project.name)},`);
      if (project.description !== undefined && project.description !== '') {
        lines.push(`      description: ${literal(project.description)},`);
      }
      lines.push('      adopt: true,');
      lines.push('    });');
      for (const key of Object.keys(project.tags).sort(compare)) {
        lines.push(`    Tags.of(${variable}).add(${literal(key)}, ${literal(project.tags[key])});`);
      }
    }
    for (const member of teams.get(project.id)!) {
      const user = users.get(member.userArn)!;
      lines.push(`    ${variable}.addTeamMember(${literal(`Member-${user.constructId.slice('User-'.length)}`)}, {`);
      lines.push(`      user: ${user.variable},`);
      lines.push(`      role: ProjectRole.${ROLES[member.projectRole]},`);
      lines.push(`      remoteAccessAllowed: ${member.remoteAccessAllowed},`);
      lines.push('    });');
    }
  }

  if (profiles.length > 0) {
    lines.push('');
    lines.push('    // The user profiles, adopted: kept when they leave the stack or the stack is destroyed.');
    for (const profile of profiles) {
      const user = users.get(profile.userArn)!;
      lines.push(`    new UserProfile(this, ${literal(`Profile-${user.constructId.slice('User-'.length)}`)}, {`);
      lines.push(`      user: ${user.variable},`);
      lines.push(`      displayName: ${literal(profile.displayName)},`);
      lines.push(`      emailAddress: ${literal(profile.emailAddress)},`);
      if (profile.sshPublicKey !== '') {
        lines.push(`      sshPublicKey: ${literal(profile.sshPublicKey)},`);
      }
      lines.push('      adopt: true,');
      lines.push('    });');
    }
  }
  lines.push('  }');
  lines.push('}');
  lines.push('');
  lines.push('if (require.main === module) {');
  lines.push('  const app = new App();');
  lines.push(`  new ${STACK_CLASS}(app, ${literal(options.stackName)});`);
  lines.push('  app.synth();');
  lines.push('}');
  lines.push('');

  return {
    source: lines.join('\n'),
    projects: projects.length,
    members: memberCount,
    profiles: profiles.length,
    users: users.size,
    leftOutMembers: leftOut.length,
    hasSshKeys,
  };
}

function header(read: ReadAccount, options: GenerateOptions, what: {
  projects: readonly ReadProject[];
  profiles: readonly LiveUserProfile[];
  leftOut: ReadonlyArray<{ projectId: string; member: LiveTeamMember }>;
  memberCount: number;
  hasSshKeys: boolean;
}): string[] {
  const personal = ['IAM user ARNs', ...(what.profiles.length > 0 ? ['display names', 'e-mail addresses'] : []), ...(what.hasSshKeys ? ['SSH public keys'] : [])];
  const lines = [
    `Generated by \`cdk-codestar import${options.teamOnly ? ' --team-only' : ''}\` from CodeStar account ${read.account} in ${read.region}.`,
    '',
    `PERSONAL DATA: this file holds ${joinWords(personal)} of CodeStar users.`,
    'Keep it out of public places (public repositories, issues, chat, shared drives).',
    '',
    `Synthesize it with: cdk synth --app ${literal(`npx ts-node ${options.fileName}`)}`,
    '',
    'It declares what exists, so that deploying it changes nothing:',
  ];
  if (options.teamOnly) {
    lines.push(`- ${count(what.projects.length, 'project')}, imported by id (CodeStarProject.fromProjectId): not managed by this stack.`);
  } else {
    lines.push(`- ${count(what.projects.length, 'project')}, adopted (adopt: true): their name, description and tags are declared as they are.`,
      '  An adopted project is retained (RemovalPolicy.RETAIN): never deleted, not even when the stack is destroyed.');
  }
  lines.push(`- ${count(what.memberCount, 'team member')}, each an existing membership, which the handler adopts: the deploy changes nothing,`,
    '  and removing a member or destroying the stack restores the role and remote access the membership had',
    '  (UpdateTeamMember with those values) instead of removing it from the team.');
  if (!options.teamOnly) {
    lines.push(`- ${count(what.profiles.length, 'user profile')}, adopted (adopt: true) and retained (RemovalPolicy.RETAIN) when the stack is destroyed.`);
  }
  lines.push('',
    'Left out:',
    '- Each project\'s own stack resources (ListResources), which CodeStar created with the project and manages',
    '  in the project\'s own CloudFormation stack: this file neither declares nor changes them.');
  for (const { project, resources } of what.projects) {
    lines.push(`  - project ${literal(project.id)}: ${count(resources.length, 'resource')}${project.stackId ? ` in stack ${literal(project.stackId)}` : ''}`);
    for (const resource of [...resources].sort(compare)) {
      lines.push(`    - ${literal(resource)}`);
    }
  }
  lines.push('- The creator\'s implicit membership: CodeStar made whoever created a project its Owner. CodeStar does not say which',
    '  member that is, so it is declared like any other member above: adopted on deploy, restored (not removed) on destroy.',
    `  A membership that is not an IAM user cannot be declared${what.leftOut.length > 0 ? ' (see below)' : ': there is none here'}.`);
  if (options.teamOnly) {
    lines.push('- The projects themselves and the user profiles (--team-only).');
  }
  if (what.leftOut.length > 0) {
    lines.push('- Team members the constructs cannot declare (their ARN is no IAM user ARN, or their role is unknown):');
    for (const { projectId, member } of what.leftOut) {
      lines.push(`  - project ${literal(projectId)}: ${literal(member.userArn)} (${literal(member.projectRole)})`);
    }
  }
  if (read.skippedProjects.length > 0) {
    lines.push('- Projects that are not in a state a deploy can adopt, with their teams:');
    for (const skipped of [...read.skippedProjects].sort((a, b) => compare(a.id, b.id))) {
      lines.push(`  - project ${literal(skipped.id)}: ${skipped.reason}`);
    }
  }
  return lines.map(line => (line === '' ? '//' : `// ${line}`));
}

function imports(need: { tags: boolean; iam: boolean; role: boolean; profile: boolean }): string[] {
  const cdk = ['App', 'Stack', 'StackProps', ...(need.tags ? ['Tags'] : [])];
  const codestar = ['CodeStarProject', ...(need.role ? ['ProjectRole'] : []), ...(need.profile ? ['UserProfile'] : [])];
  return [
    `import { ${cdk.join(', ')} } from 'aws-cdk-lib';`,
    ...(need.iam ? ['import * as iam from \'aws-cdk-lib/aws-iam\';'] : []),
    `import { ${codestar.join(', ')} } from 'cdk-codestar';`,
    'import { Construct } from \'constructs\';',
  ];
}

/** A user's name: the last part of its ARN (after the path). */
function nameOf(userArn: string): string {
  return userArn.slice(userArn.lastIndexOf('/') + 1);
}

/** Users are listed by name, then ARN (for the same name in another account or path). */
function userOrder(userArn: string): string {
  return `${nameOf(userArn)}\u0000${userArn}`;
}

/** One IAM user construct per ARN, in user order; ids and variables from the user's name, unique. */
function declareUsers(arns: readonly string[]): Map<string, DeclaredUser> {
  const sorted = [...arns].sort((a, b) => compare(userOrder(a), userOrder(b)));
  const variables = uniqueNames(sorted, nameOf);
  const ids = new Map<string, string>();
  const byName = new Map<string, string[]>();
  for (const arn of sorted) {
    byName.set(nameOf(arn), [...(byName.get(nameOf(arn)) ?? []), arn]);
  }
  for (const [name, same] of byName) {
    // The same name in two accounts (or paths): the ARN tells them apart.
    same.forEach(arn => ids.set(arn, same.length === 1 ? `User-${name}` : `User-${name}-${shortHash(arn)}`));
  }
  return new Map(sorted.map(arn => [arn, { arn, variable: `user${variables.get(arn)}`, constructId: ids.get(arn)! }]));
}

/**
 * A PascalCase identifier part for each key, unique among them: the words of `text(key)`, and when
 * two keys give the same part, `_<n>` in key order.
 */
function uniqueNames(keys: readonly string[], text: (key: string) => string): Map<string, string> {
  const base = new Map(keys.map(key => [key, pascal(text(key))]));
  const groups = new Map<string, string[]>();
  for (const key of [...keys].sort(compare)) {
    const b = base.get(key)!;
    groups.set(b.toLowerCase(), [...(groups.get(b.toLowerCase()) ?? []), key]);
  }
  const names = new Map<string, string>();
  for (const same of groups.values()) {
    same.forEach((key, i) => names.set(key, same.length === 1 ? base.get(key)! : `${base.get(key)}_${i + 1}`));
  }
  return names;
}

function pascal(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).filter(w => w !== '').map(w => w[0].toUpperCase() + w.slice(1)).join('');
}

function shortHash(text: string): string {
  return sha256(text).slice(0, 8);
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
