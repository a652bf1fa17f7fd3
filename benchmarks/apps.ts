/**
 * The apps the benchmarks synthesize, of two kinds:
 *
 * - the projects app: N projects, each with two team members, plus ceil(N/2) user profiles;
 * - the members-only app: one existing project, imported by id, with N team members (N users) and
 *   N user profiles: the stack of a team that manages who works on a project, not the project.
 *
 * Each declares the same CodeStar resources four ways:
 *
 * - `library`: this library's constructs;
 * - `floor`: the same custom resources (same types, same properties, same references) as plain
 *   `CustomResource`s served by one hand-made `lambda.Function` (plain service token, one static
 *   policy statement): the least a stack can contain to declare them;
 * - `floorProvider`: the same, served through one hand-made `cr.Provider` (onEvent + isComplete),
 *   the architecture this library used before its function answered CloudFormation itself;
 * - `awsCustomResource`: what a user writes without this library: one `AwsCustomResource` per
 *   resource, with onCreate/onUpdate/onDelete SDK calls.
 */
import * as path from 'path';
import { App, CustomResource, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { CodeStarProject, ICodeStarProject, ProjectRole, UserProfile } from '../src';

export const VARIANTS = ['library', 'floor', 'floorProvider', 'awsCustomResource'] as const;
export type Variant = typeof VARIANTS[number];

export const APP_KINDS = ['projects', 'membersOnly'] as const;
export type AppKind = typeof APP_KINDS[number];

/** A fixed environment: synthesis is deterministic and ARNs resolve to plain strings where CDK can. */
export const ENV = { account: '123456789012', region: 'us-east-1' };
export const STACK_NAME = 'CodeStarScale';

/** The handler bundle, also used as the floor's Lambda code (same asset staging cost for both). */
export const HANDLER_DIR = path.join(__dirname, '..', 'assets', 'handler');

/**
 * CDK refuses to synthesize a stack of more than 500 resources unless this context key raises the
 * limit (0 turns the check off). The benchmarks turn it off to measure past the limit.
 */
export const STACK_RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';

/** The shape of the projects app at size N. */
export interface Scale {
  readonly projects: number;
  readonly membersPerProject: number;
  readonly profiles: number;
  readonly users: number;
}

export function scaleOf(n: number): Scale {
  return { projects: n, membersPerProject: 2, profiles: Math.ceil(n / 2), users: Math.max(2, n) };
}

export const projectIdOf = (i: number) => `proj-${String(i).padStart(4, '0')}`;
export const userNameOf = (i: number) => `dev-${String(i).padStart(4, '0')}`;
export const userArnOf = (i: number) => `arn:aws:iam::${ENV.account}:user/${userNameOf(i)}`;

/** The existing project the members-only app imports. */
export const IMPORTED_PROJECT_ID = 'legacy-app';

/** What every variant declares, as plain data. */
interface ProjectSpec { readonly id: string; readonly name: string; readonly description: string; readonly tags: Record<string, string> }
/** `project`: the id of a project the app declares, or of the one it imports. */
interface MemberSpec { readonly project: string; readonly user: number; readonly role: ProjectRole }
interface ProfileSpec { readonly user: number; readonly displayName: string; readonly emailAddress: string }
interface AppSpec {
  readonly projects: ProjectSpec[];
  /** The id of the project the app imports rather than declares. */
  readonly importedProject?: string;
  readonly members: MemberSpec[];
  readonly profiles: ProfileSpec[];
  /** Distinct users, imported by ARN: 0 .. users - 1. */
  readonly users: number;
}

const profilesOf = (count: number) => Array.from({ length: count }, (_, i): ProfileSpec => ({
  user: i,
  displayName: `Developer ${i}`,
  emailAddress: `${userNameOf(i)}@example.org`,
}));

function specs(kind: AppKind, n: number): AppSpec {
  if (kind === 'membersOnly') {
    // N distinct users on the imported project, Owner and Contributor in turn, each with a profile.
    const members = Array.from({ length: n }, (_, i): MemberSpec => ({
      project: IMPORTED_PROJECT_ID, user: i, role: i % 2 === 0 ? ProjectRole.OWNER : ProjectRole.CONTRIBUTOR,
    }));
    return { projects: [], importedProject: IMPORTED_PROJECT_ID, members, profiles: profilesOf(n), users: n };
  }
  const scale = scaleOf(n);
  const projects = Array.from({ length: scale.projects }, (_, i): ProjectSpec => ({
    id: projectIdOf(i),
    name: `Project ${i}`,
    description: `Benchmark project ${i}`,
    tags: { team: `team-${i % 7}` },
  }));
  // Two distinct users per project: user i as Owner, user i+1 as Contributor.
  const members = projects.flatMap((p, i): MemberSpec[] => [
    { project: p.id, user: i % scale.users, role: ProjectRole.OWNER },
    { project: p.id, user: (i + 1) % scale.users, role: ProjectRole.CONTRIBUTOR },
  ]);
  return { projects, members, profiles: profilesOf(scale.profiles), users: scale.users };
}

export interface AppOptions {
  readonly outdir: string;
  /** Keep CDK's 500-resource check (the default limit). @default false: the check is off */
  readonly resourceLimitCheck?: boolean;
}

/** A new App configured as `cdk synth` runs one: no version reporting, no metadata stack traces. */
export function newApp(options: AppOptions): App {
  return new App({
    outdir: options.outdir,
    analyticsReporting: false,
    stackTraces: false,
    context: options.resourceLimitCheck ? {} : { [STACK_RESOURCE_LIMIT_CONTEXT]: 0 },
  });
}

/** Builds the stack of an app kind in a variant at size N into `app`. */
export function buildStack(app: App, kind: AppKind, variant: Variant, n: number): Stack {
  const stack = new Stack(app, STACK_NAME, { env: ENV });
  const data = specs(kind, n);
  const users = Array.from({ length: data.users }, (_, i) => iam.User.fromUserArn(stack, `User${i}`, userArnOf(i)));
  switch (variant) {
    case 'library':
      buildLibrary(stack, users, data);
      break;
    case 'floor':
    case 'floorProvider':
      buildFloor(stack, users, data, variant === 'floorProvider');
      break;
    case 'awsCustomResource':
      buildAwsCustomResource(stack, users, data);
      break;
  }
  return stack;
}

function buildLibrary(stack: Stack, users: iam.IUser[], data: AppSpec) {
  const projects = new Map<string, ICodeStarProject>();
  if (data.importedProject !== undefined) {
    projects.set(data.importedProject, CodeStarProject.fromProjectId(stack, 'Project', data.importedProject));
  }
  data.projects.forEach((p, i) => {
    const project = new CodeStarProject(stack, `Project${i}`, {
      projectId: p.id,
      projectName: p.name,
      description: p.description,
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    for (const [key, value] of Object.entries(p.tags)) {
      Tags.of(project).add(key, value);
    }
    projects.set(p.id, project);
  });
  data.members.forEach((m, i) => {
    projects.get(m.project)!.addTeamMember(`Member${i}`, { user: users[m.user], role: m.role });
  });
  data.profiles.forEach((p, i) => {
    new UserProfile(stack, `Profile${i}`, { user: users[p.user], displayName: p.displayName, emailAddress: p.emailAddress });
  });
}

/**
 * The floor: the custom resources with nothing around them but one function (and its role with one
 * static, wildcard-scoped statement), or one `cr.Provider` around it.
 */
function buildFloor(stack: Stack, users: iam.IUser[], data: AppSpec, withProvider: boolean) {
  const code = lambda.Code.fromAsset(HANDLER_DIR);
  const fn = (id: string, handler: string) => new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler,
    code,
    timeout: Duration.minutes(2),
  });
  const onEvent = fn('OnEvent', 'index.onEvent');
  let serviceToken = onEvent.functionArn;
  const functions = [onEvent];
  if (withProvider) {
    const isComplete = fn('IsComplete', 'index.isComplete');
    functions.push(isComplete);
    serviceToken = new cr.Provider(stack, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: Duration.seconds(15),
      totalTimeout: Duration.minutes(30),
    }).serviceToken;
  }
  for (const f of functions) {
    f.addToRolePolicy(new iam.PolicyStatement({
      actions: ['codestar:*'],
      resources: [`arn:aws:codestar:${ENV.region}:${ENV.account}:project/*`, `arn:aws:iam::${ENV.account}:user/*`],
    }));
  }
  // A declared project's id is a reference to it (which orders its members after it); the imported one's, a literal.
  const projectIds = new Map(data.importedProject !== undefined ? [[data.importedProject, data.importedProject]] : []);
  data.projects.forEach((p, i) => projectIds.set(p.id, new CustomResource(stack, `Project${i}`, {
    serviceToken,
    resourceType: 'Custom::CodeStarProject',
    properties: { id: p.id, name: p.name, description: p.description, deleteStack: false, deletionProtection: false, tags: p.tags },
    serviceTimeout: Duration.minutes(35),
    removalPolicy: RemovalPolicy.DESTROY,
  }).getAttString('Id')));
  data.members.forEach((m, i) => new CustomResource(stack, `Member${i}`, {
    serviceToken,
    resourceType: 'Custom::CodeStarTeamMember',
    properties: {
      projectId: projectIds.get(m.project),
      userArn: users[m.user].userArn,
      projectRole: m.role,
      remoteAccessAllowed: false,
    },
    serviceTimeout: Duration.minutes(10),
  }));
  data.profiles.forEach((p, i) => new CustomResource(stack, `Profile${i}`, {
    serviceToken,
    resourceType: 'Custom::CodeStarUserProfile',
    properties: { userArn: users[p.user].userArn, displayName: p.displayName, emailAddress: p.emailAddress },
    serviceTimeout: Duration.minutes(10),
  }));
}

/**
 * Without this library: AwsCustomResource with create/update/delete calls per resource, each with
 * the policy `fromSdkCalls` derives, scoped to the resource's ARN (what the documentation shows).
 * `installLatestAwsSdk: false` as asked (no npm install at deploy time); note that the Lambda
 * runtime's SDK has no CodeStar client, so this variant is a synthesis comparison only.
 */
function buildAwsCustomResource(stack: Stack, users: iam.IUser[], data: AppSpec) {
  const projectArn = (id: string) => stack.formatArn({ service: 'codestar', resource: 'project', resourceName: id });
  // The declared projects, which their members are ordered after (the imported one exists already).
  const projects = new Map<string, cr.AwsCustomResource>();
  data.projects.forEach((p, i) => {
    const tags = p.tags;
    projects.set(p.id, new cr.AwsCustomResource(stack, `Project${i}`, {
      onCreate: {
        service: 'CodeStar',
        action: 'createProject',
        parameters: { id: p.id, name: p.name, description: p.description, tags },
        physicalResourceId: cr.PhysicalResourceId.of(p.id),
      },
      onUpdate: {
        service: 'CodeStar',
        action: 'updateProject',
        parameters: { id: p.id, name: p.name, description: p.description },
        physicalResourceId: cr.PhysicalResourceId.of(p.id),
      },
      onDelete: { service: 'CodeStar', action: 'deleteProject', parameters: { id: p.id } },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [projectArn(p.id)] }),
      installLatestAwsSdk: false,
      removalPolicy: RemovalPolicy.DESTROY,
    }));
  });
  data.members.forEach((m, i) => {
    const projectId = m.project;
    const userArn = users[m.user].userArn;
    const member = new cr.AwsCustomResource(stack, `Member${i}`, {
      onCreate: {
        service: 'CodeStar',
        action: 'associateTeamMember',
        parameters: { projectId, userArn, projectRole: m.role, remoteAccessAllowed: false },
        physicalResourceId: cr.PhysicalResourceId.of(`${projectId}|${userArn}`),
      },
      onUpdate: {
        service: 'CodeStar',
        action: 'updateTeamMember',
        parameters: { projectId, userArn, projectRole: m.role, remoteAccessAllowed: false },
        physicalResourceId: cr.PhysicalResourceId.of(`${projectId}|${userArn}`),
      },
      onDelete: { service: 'CodeStar', action: 'disassociateTeamMember', parameters: { projectId, userArn } },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [projectArn(projectId)] }),
      installLatestAwsSdk: false,
    });
    const project = projects.get(projectId);
    if (project) {
      member.node.addDependency(project);
    }
  });
  data.profiles.forEach((p, i) => {
    const userArn = users[p.user].userArn;
    const parameters = { userArn, displayName: p.displayName, emailAddress: p.emailAddress };
    new cr.AwsCustomResource(stack, `Profile${i}`, {
      onCreate: { service: 'CodeStar', action: 'createUserProfile', parameters, physicalResourceId: cr.PhysicalResourceId.of(userArn) },
      onUpdate: { service: 'CodeStar', action: 'updateUserProfile', parameters, physicalResourceId: cr.PhysicalResourceId.of(userArn) },
      onDelete: { service: 'CodeStar', action: 'deleteUserProfile', parameters: { userArn } },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [userArn] }),
      installLatestAwsSdk: false,
    });
  });
}
