import * as path from 'path';
import { Aspects, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { HANDLER_ENTRY } from './contract';
import { explainFrameworkFindings, quietFrameworkLogs, WAITER_LOG_LEVEL } from './framework';
import { OWN_PROJECTS, PROFILES, TEAMS } from './provider/actions';
import { ArnStatements } from './provider/arn-statements';
import { CreationOrder } from './provider/creation-order';
import { EndOfLifeWarning } from './provider/end-of-life';
import { GrantChunks } from './provider/grant-chunks';
import { Once } from './provider/once';
import { HANDLER_TIMEOUT, QUERY_INTERVAL, TOTAL_TIMEOUT } from './provider/timeouts';

/** The bundled handler (`npx projen bundle:handler`), shipped in the npm package next to `lib/`. */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/** The provider's construct id in its stack; the suffix keeps it clear of user ids. */
const PROVIDER_ID = 'CodeStarProvider8f3c2a';

/** Log retention of every log group the provider creates. */
const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

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
 * Found in the construct tree, so that nothing needs resetting between apps or tests. Its parts,
 * each in `provider/`: `timeouts`, `actions` (what each grant allows), `arn-statements` and
 * `grant-chunks` (the two ways its policy batches ARNs), `creation-order`, `once` and `end-of-life`.
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
  private readonly grantedSecrets = new Once<secretsmanager.ISecret>();
  private readonly grantedKeys = new Once<kms.IKey>();
  private readonly grantedSecretKeys = new Once<kms.IKey>();
  private readonly endOfLife = new EndOfLifeWarning();

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
    if (bucket.encryptionKey && this.grantedKeys.first(bucket.encryptionKey)) {
      bucket.encryptionKey.grantDecrypt(this.role);
    }
  }

  /** Lets the handler read a GitHub token (and decrypt it with the secret's key). */
  public grantReadSecret(secret: secretsmanager.ISecret) {
    if (!this.grantedSecrets.first(secret)) {
      return;
    }
    secret.grantRead(this.role);
    const key = secret.encryptionKey;
    if (key && this.grantedSecretKeys.first(key)) {
      // grantRead grants decryption through the key's own policy only, which an imported key cannot
      // take (the grant is silently dropped): say it in the role's policy too, for this key, and only
      // for Secrets Manager to use on the handler's behalf.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` } },
      }));
    }
  }

  /** Warns, once per stack, that CodeStar no longer creates projects. */
  public warnEndOfNewProjects(scope: IConstruct) {
    this.endOfLife.warn(scope);
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
