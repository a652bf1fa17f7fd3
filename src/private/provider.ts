import { createHash } from 'crypto';
import * as path from 'path';
import { Annotations, Aspects, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { DEFAULT_PROJECT_TIMEOUT_SECONDS, HANDLER_ENTRY } from './contract';
import { explainFrameworkFindings, quietFrameworkLogs, WAITER_LOG_LEVEL } from './framework';

/** The bundled handler (`npx projen bundle:handler`), shipped in the npm package next to `lib/`. */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/** The provider's construct id in its stack; the suffix keeps it clear of user ids. */
const PROVIDER_ID = 'CodeStarProvider8f3c2a';

/*
 * Timeouts. Each one fails with its own clear reason before the next one could fail with a vaguer
 * one (test/security/bounded-failure.test.ts proves the chain):
 *
 * - The handler's deadline, in each invocation: the Lambda's remaining time minus a margin
 *   (lambda/retry.ts computeDeadline). Every service call and retry is cut there: "<Operation> did
 *   not succeed before the handler's deadline (...)". It comes before HANDLER_TIMEOUT, the Lambda
 *   timeout, which comes before MEMBER_SERVICE_TIMEOUT, the serviceTimeout of a team member or user
 *   profile (one invocation each).
 * - A project's `timeout` (default DEFAULT_PROJECT_TIMEOUT): how long isComplete waits for CodeStar,
 *   counted from onEvent: "Project <id> is still <state> after its timeout of <n> seconds". The poll
 *   that notices it (QUERY_INTERVAL) and that invocation (HANDLER_TIMEOUT) fit in
 *   PROJECT_TIMEOUT_MARGIN, which the project's serviceTimeout adds to its timeout.
 * - TOTAL_TIMEOUT, the waiter's (one per stack), is a backstop only: longer than any project timeout.
 */

/** The Lambda timeout of both handler functions: one CodeStar call plus its retries fit well inside. */
export const HANDLER_TIMEOUT = Duration.minutes(2);

/** How often `isComplete` polls DescribeProject while a project is being created or deleted. */
export const QUERY_INTERVAL = Duration.seconds(15);

/** How long a project waits for CodeStar unless its `timeout` says otherwise. */
export const DEFAULT_PROJECT_TIMEOUT = Duration.seconds(DEFAULT_PROJECT_TIMEOUT_SECONDS);

/** The shortest project `timeout`: CodeStar takes minutes to create a project's toolchain stack. */
export const MIN_PROJECT_TIMEOUT = Duration.minutes(1);

/**
 * After a project's timeout: its rounding up to a whole minute (lambda/project.ts waitDeadlineFrom),
 * the poll that notices it (QUERY_INTERVAL), that invocation (HANDLER_TIMEOUT), slack.
 */
export const PROJECT_TIMEOUT_MARGIN = Duration.minutes(5);

/** The longest project `timeout`: its serviceTimeout may not exceed CloudFormation's maximum of one hour. */
export const MAX_PROJECT_TIMEOUT = Duration.seconds(3600 - PROJECT_TIMEOUT_MARGIN.toSeconds());

/**
 * How long the provider's waiter polls at most: the Provider framework's maximum, longer than any
 * project's timeout, so the handler's own reason always comes first.
 */
export const TOTAL_TIMEOUT = Duration.hours(1);

/** The serviceTimeout of a project with the given `timeout`. */
export function projectServiceTimeout(timeout: Duration): Duration {
  return Duration.seconds(timeout.toSeconds() + PROJECT_TIMEOUT_MARGIN.toSeconds());
}

/** `serviceTimeout` of a project with the default timeout. */
export const PROJECT_SERVICE_TIMEOUT = projectServiceTimeout(DEFAULT_PROJECT_TIMEOUT);

/**
 * `serviceTimeout` of a team member or user profile: one synchronous call, so a broken handler fails
 * the stack after this instead of after CloudFormation's default hour. Longer than the handler's
 * timeout so a slow but working call still answers in time.
 */
export const MEMBER_SERVICE_TIMEOUT = Duration.minutes(10);

/** Log retention of every log group the provider creates. */
const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

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

/** A stack's own projects: the project and its team, in one statement. */
const OWN_PROJECTS: GrantKind = { sid: 'Projects', actions: [...PROJECT_ACTIONS, ...TEAM_MEMBER_ACTIONS] };
/** The teams of projects of other stacks, or imported. */
const TEAMS: GrantKind = { sid: 'Teams', actions: TEAM_MEMBER_ACTIONS };
/** The profiles of the stack's users. */
const PROFILES: GrantKind = { sid: 'Profiles', actions: USER_PROFILE_ACTIONS };

/**
 * ARNs per policy statement. CDK splits a role policy that outgrows IAM's 10,240 characters into
 * managed policies (`Role.splitLargePolicy`), but only between statements: bounded statements let
 * it move the handler's grants into managed policies as a stack grows (10 per role by default).
 */
const ARNS_PER_STATEMENT = 10;

/**
 * Policy statements with the same actions whose resources are collected as constructs register
 * them: one ARN per resource, a new statement every ARNS_PER_STATEMENT ARNs. Statements are added
 * on their first ARN, since IAM rejects a statement with an empty resource list. The ARNs are
 * listed one by one (not through one Lazy list), so that CDK can size the policy when it splits it.
 *
 * Only the first statement of each kind has a (short) Sid: CDK's size estimate leaves Sids out and
 * keeps 240 characters of margin under IAM's limits (144 for a managed policy), which a Sid on
 * every statement would use up.
 */
class ArnStatements {
  private readonly arns = new Set<string>();
  private current?: iam.PolicyStatement;

  constructor(
    private readonly role: iam.IRole,
    private readonly sid: string,
    private readonly actions: string[],
    private readonly conditions?: { [operator: string]: unknown },
  ) {}

  public add(arn: string) {
    if (this.arns.has(arn)) {
      return;
    }
    if (this.arns.size % ARNS_PER_STATEMENT === 0) {
      const index = this.arns.size / ARNS_PER_STATEMENT + 1;
      this.current = new iam.PolicyStatement({
        sid: index === 1 ? this.sid : undefined,
        actions: this.actions,
        conditions: this.conditions,
      });
      this.role.addToPrincipalPolicy(this.current);
    }
    this.current!.addResources(arn);
    this.arns.add(arn);
  }
}

/** The most ARNs a grant chunk is meant to hold; a stack gets more chunks as it grows, up to MAX_GRANT_CHUNKS. */
const ARNS_PER_GRANT_CHUNK = 40;

/**
 * The most grant chunks: during an update CloudFormation attaches a changed chunk's replacement
 * before it deletes the chunk, so old and new together must stay within IAM's default quota of 10
 * managed policies per role.
 */
const MAX_GRANT_CHUNKS = 5;

/** What a resource-scoped grant lets the handler do. */
interface GrantKind {
  readonly sid: string;
  readonly actions: string[];
}

interface ScopedGrant {
  readonly kind: GrantKind;
  readonly arn: string;
  readonly dependents: IConstruct[];
}

/**
 * The grants a resource needs to be deleted (its project, the team of an imported project, its
 * user's profile), which must outlive the resource. CloudFormation updates a stack's policies in an
 * update's first phase and deletes the resources the update removed in its cleanup, so a grant
 * listed in the role's default policy would be gone when the handler deletes a removed profile,
 * member or project (AccessDenied, and the profile, membership or project stays).
 *
 * So these grants live in a few managed policies ("chunks") whose construct ids are a hash of what
 * they grant, and every resource depends on the chunk that holds its grants. A chunk is never
 * changed in place: when its grants change it is replaced, the new one created in the update's first
 * phase, the old one deleted in the cleanup after the resources that depended on it in the old
 * template (CloudFormation deletes removed resources in the reverse order of the old template's
 * dependencies). ARNs are spread over the chunks by a hash of their own, so that adding or removing
 * a resource replaces one chunk, not all of them.
 */
class GrantChunks {
  private readonly grants = new Map<string, ScopedGrant>();
  private materialized = false;

  constructor(private readonly scope: Construct, private readonly role: iam.IRole) {}

  public has(kind: GrantKind, arn: string): boolean {
    return this.grants.has(`${kind.sid}|${arn}`);
  }

  public add(kind: GrantKind, arn: string, dependent: IConstruct) {
    const key = `${kind.sid}|${arn}`;
    const grant = this.grants.get(key) ?? { kind, arn, dependents: [] };
    grant.dependents.push(dependent);
    this.grants.set(key, grant);
  }

  /** Creates the chunks, once the app is complete (from an aspect). */
  public materialize() {
    if (this.materialized || this.grants.size === 0) {
      return;
    }
    this.materialized = true;
    const stack = Stack.of(this.scope);
    const entries = [...this.grants.values()]
      .map(grant => ({ grant, key: `${grant.kind.sid}|${JSON.stringify(stack.resolve(grant.arn))}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const count = Math.min(MAX_GRANT_CHUNKS, Math.ceil(entries.length / ARNS_PER_GRANT_CHUNK));
    const chunks = new Map<number, typeof entries>();
    for (const entry of entries) {
      const index = parseInt(sha256(entry.key).slice(0, 8), 16) % count;
      push(chunks, index, entry);
    }
    for (const [index, chunk] of [...chunks].sort(([a], [b]) => a - b)) {
      const statements = new Map<GrantKind, string[]>();
      for (const { grant } of chunk) {
        push(statements, grant.kind, grant.arn);
      }
      const policy = new iam.ManagedPolicy(this.scope, `Grants${index}${sha256(chunk.map(e => e.key).join('\n')).slice(0, 8).toUpperCase()}`, {
        roles: [this.role],
        statements: [...statements].map(([kind, arns]) => new iam.PolicyStatement({ sid: kind.sid, actions: kind.actions, resources: arns })),
      });
      for (const { grant } of chunk) {
        grant.dependents.forEach(dependent => dependent.node.addDependency(policy));
      }
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What a construct passes to create its custom resource. */
export interface CodeStarResourceOptions {
  readonly resourceType: string;
  readonly properties: { [key: string]: unknown };
  readonly serviceTimeout: Duration;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one provider of a stack that serves every CodeStar custom resource in it: two Lambda
 * functions (`onEvent`, `isComplete`) from one bundled asset, sharing one role whose policy lists
 * exactly the projects, users, secrets, roles and objects the stack's resources use.
 *
 * Found in the construct tree, so that nothing needs resetting between apps or tests.
 */
export class CodeStarProvider extends Construct {
  /** Returns the provider of `scope`'s stack, creating it on first use. */
  public static getOrCreate(scope: IConstruct): CodeStarProvider {
    return CodeStarProvider.find(scope) ?? new CodeStarProvider(Stack.of(scope), PROVIDER_ID);
  }

  /** Returns the provider of `scope`'s stack if it exists, without creating it. */
  public static find(scope: IConstruct): CodeStarProvider | undefined {
    return Stack.of(scope).node.tryFindChild(PROVIDER_ID) as CodeStarProvider | undefined;
  }

  /** The handler role, shared by both handler functions. */
  public readonly role: iam.Role;

  private readonly serviceToken: string;
  private readonly grants: GrantChunks;
  private readonly passRoles: ArnStatements;
  private readonly sourceObjects: ArnStatements;
  private readonly grantedSecrets = new Set<secretsmanager.ISecret>();
  private readonly grantedKeys = new Set<kms.IKey>();
  private readonly grantedSecretKeys = new Set<kms.IKey>();
  private warnedEndOfLife = false;

  private readonly profileBeforeMember = new CreationOrder();
  private readonly projectBeforeMember = new CreationOrder();

  private constructor(scope: Stack, id: string) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-codestar handler: manages the CodeStar projects, team members and user profiles of this stack',
    });

    // Both functions run the same bundle: one asset, bound once.
    const code = lambda.Code.fromAsset(HANDLER_ASSET_DIR);
    const onEvent = this.handlerFunction('OnEvent', HANDLER_ENTRY.ON_EVENT, code);
    const isComplete = this.handlerFunction('IsComplete', HANDLER_ENTRY.IS_COMPLETE, code);

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: QUERY_INTERVAL,
      totalTimeout: TOTAL_TIMEOUT,
      logGroup: this.logGroup('ProviderLogs'),
      // Every transition, but no execution data: it would carry the resource properties (display
      // names, email addresses).
      waiterStateMachineLogOptions: { destination: this.logGroup('WaiterLogs'), includeExecutionData: false, level: WAITER_LOG_LEVEL },
    });
    quietFrameworkLogs(provider);
    explainFrameworkFindings(provider);
    this.serviceToken = provider.serviceToken;

    this.grants = new GrantChunks(this, this.role);
    Aspects.of(this).add({ visit: node => (node === this ? this.grants.materialize() : undefined) });
    this.passRoles = new ArnStatements(this.role, 'PassRoles', ['iam:PassRole'], {
      StringEquals: { 'iam:PassedToService': 'codestar.amazonaws.com' },
    });
    this.sourceObjects = new ArnStatements(this.role, 'SourceObjects', ['s3:GetObject']);
  }

  /**
   * Creates a custom resource served by this provider. Its service token already orders it after
   * the handler role and its default policy (custom resource -> framework function -> the framework
   * role's policy, which names the handler functions -> the handler functions, which depend on their
   * role and its policies); the grants that name it are ordered by `GrantChunks`.
   */
  public createResource(scope: Construct, id: string, options: CodeStarResourceOptions): CustomResource {
    return new CustomResource(scope, id, {
      serviceToken: this.serviceToken,
      resourceType: options.resourceType,
      properties: options.properties,
      serviceTimeout: options.serviceTimeout,
      removalPolicy: options.removalPolicy,
    });
  }

  /** Lets the handler create, update, tag and delete the project, and manage its team, while `project` exists. */
  public grantProject(projectArn: string, project: IConstruct) {
    this.grants.add(OWN_PROJECTS, projectArn, project);
  }

  /** Lets the handler manage the team of the project while `member` exists. */
  public grantTeam(projectArn: string, member: IConstruct) {
    this.grants.add(this.grants.has(OWN_PROJECTS, projectArn) ? OWN_PROJECTS : TEAMS, projectArn, member);
  }

  /** Lets the handler manage the user's profile while `profile` exists. */
  public grantUserProfile(userArn: string, profile: IConstruct) {
    this.grants.add(PROFILES, userArn, profile);
  }

  /** Lets the handler pass a toolchain role to CodeStar, and to nothing else. */
  public grantPassRole(role: iam.IRole) {
    this.passRoles.add(role.roleArn);
  }

  /**
   * Lets the handler read an S3 object that CodeStar fetches with the caller's credentials, and
   * decrypt it when its bucket has a customer managed key.
   */
  public grantReadObject(bucket: s3.IBucket, key: string) {
    this.sourceObjects.add(bucket.arnForObjects(key));
    if (bucket.encryptionKey && !this.grantedKeys.has(bucket.encryptionKey)) {
      bucket.encryptionKey.grantDecrypt(this.role);
      this.grantedKeys.add(bucket.encryptionKey);
    }
  }

  /** Lets the handler read a GitHub token (and decrypt it with the secret's key). */
  public grantReadSecret(secret: secretsmanager.ISecret) {
    if (this.grantedSecrets.has(secret)) {
      return;
    }
    secret.grantRead(this.role);
    this.grantedSecrets.add(secret);
    const key = secret.encryptionKey;
    if (key && !this.grantedSecretKeys.has(key)) {
      // grantRead grants decryption through the key's own policy only, which an imported key cannot
      // take (the grant is silently dropped): say it in the role's policy too, for this key, and only
      // for Secrets Manager to use on the handler's behalf.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
      }));
      this.grantedSecretKeys.add(key);
    }
  }

  /** Warns, once per stack, that CodeStar no longer creates projects. */
  public warnEndOfNewProjects(scope: IConstruct) {
    if (this.warnedEndOfLife) {
      return;
    }
    this.warnedEndOfLife = true;
    Annotations.of(scope).addWarningV2('cdk-codestar:noNewProjects',
      'AWS CodeStar stopped accepting new projects on 2024-07-31: CreateProject fails where CodeStar no longer creates projects, '
      + 'and a deleted project cannot be created again. Use CodeStarProject.fromProjectId to manage the team of an existing project.');
  }

  /**
   * Records a user profile by its user's `identityKey`, so that the remote-access members of the
   * same user in this stack are created after it (and removed before it): remote access needs the
   * profile's SSH key.
   */
  public registerUserProfile(userKey: string, profile: IConstruct) {
    this.profileBeforeMember.first(userKey, profile);
  }

  /** Records a team member with remote access by its user's `identityKey`; see `registerUserProfile`. */
  public registerRemoteAccessMember(userKey: string, member: IConstruct) {
    this.profileBeforeMember.then(userKey, member);
  }

  /**
   * Records a project by its id, so that members of the same project imported by id in this stack
   * are created after it: an imported project carries no reference to order them by.
   */
  public registerProject(projectId: string, project: IConstruct) {
    this.projectBeforeMember.first(projectId, project);
  }

  /** Records a team member of an imported project; see `registerProject`. */
  public registerMemberOfImportedProject(projectId: string, member: IConstruct) {
    this.projectBeforeMember.then(projectId, member);
  }

  private handlerFunction(id: string, handler: string, code: lambda.Code): lambda.Function {
    const logGroup = this.logGroup(`${id}Logs`);
    logGroup.grantWrite(this.role);
    return new lambda.Function(this, `${id}Handler`, {
      code,
      handler,
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: HANDLER_TIMEOUT,
      role: this.role,
      logGroup,
      description: `cdk-codestar ${handler}: CodeStar projects, team members and user profiles`,
    });
  }

  private logGroup(id: string): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

/**
 * Orders constructs that share a key (a user ARN, a project id) whichever is declared first: every
 * `then` construct depends on every `first` construct with the same key.
 */
class CreationOrder {
  private readonly firsts = new Map<string, IConstruct[]>();
  private readonly thens = new Map<string, IConstruct[]>();

  public first(key: string, construct: IConstruct) {
    for (const later of this.thens.get(key) ?? []) {
      later.node.addDependency(construct);
    }
    push(this.firsts, key, construct);
  }

  public then(key: string, construct: IConstruct) {
    for (const earlier of this.firsts.get(key) ?? []) {
      construct.node.addDependency(earlier);
    }
    push(this.thens, key, construct);
  }
}

function push<K, T>(map: Map<K, T[]>, key: K, value: T) {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}
