import { Aspects, CustomResource, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { OWN_PROJECTS, PROFILES, TEAMS } from './provider/actions';
import { ArnStatements } from './provider/arn-statements';
import { CreationOrder } from './provider/creation-order';
import { EndOfLifeWarning } from './provider/end-of-life';
import { explainContinueFindings, explainDefaultPolicyFindings } from './provider/findings';
import { ProviderFunction, ProviderSettings } from './provider/function';
import { GrantChunks } from './provider/grant-chunks';
export { FUNCTION_LOGICAL_ID } from './provider/function';
export type { ProviderSettings } from './provider/function';
import { Once } from './provider/once';

/** The provider's construct id in its stack; the suffix keeps it clear of user ids. */
const PROVIDER_ID = 'CodeStarProvider8f3c2a';


/** What a construct passes to create its custom resource. */
export interface CodeStarResourceOptions {
  readonly resourceType: string;
  readonly properties: { [key: string]: unknown };
  readonly serviceTimeout: Duration;
  readonly removalPolicy?: RemovalPolicy;
  /** A project: CodeStar creates and deletes it asynchronously, so its function may go on waiting in a new invocation. */
  readonly waits?: boolean;
}

/**
 * The one provider of a stack that serves every CodeStar custom resource in it: one Lambda function
 * (the bundled handler, which answers CloudFormation itself) with its log group, and one role whose
 * policies list exactly the projects, users, secrets, roles and objects the stack's resources use.
 *
 * Found in the construct tree, so that nothing needs resetting between apps or tests. The function
 * is made once the app is complete (from an aspect), with the settings of the stack's declared
 * `CodeStarProvider`, whether that was declared before or after the resources. Its parts, each in
 * `provider/`: `timeouts`, `actions` (what each grant allows), `arn-statements` and `grant-chunks`
 * (the two ways its policy batches ARNs), `creation-order`, `once`, `end-of-life` and `runtime`.
 */
export class StackProvider extends Construct {
  /** Returns the provider of `scope`'s stack, creating it on first use. */
  public static getOrCreate(scope: IConstruct): StackProvider {
    return StackProvider.find(scope) ?? new StackProvider(Stack.of(scope), PROVIDER_ID);
  }

  /** Returns the provider of `scope`'s stack if it exists, without creating it. */
  public static find(scope: IConstruct): StackProvider | undefined {
    return Stack.of(scope).node.tryFindChild(PROVIDER_ID) as StackProvider | undefined;
  }

  /** The handler role. */
  public readonly role: iam.Role;

  private readonly grants: GrantChunks;
  private readonly passRoles: ArnStatements;
  private readonly sourceObjects: ArnStatements;
  private readonly grantedSecrets = new Once<secretsmanager.ISecret>();
  private readonly grantedKeys = new Once<kms.IKey>();
  private readonly grantedSecretKeys = new Once<kms.IKey>();
  private readonly endOfLife = new EndOfLifeWarning();

  private readonly profileBeforeMember = new CreationOrder();
  private readonly projectBeforeMember = new CreationOrder();

  /** The declared CodeStarProvider (its path) and its settings; none: the defaults. */
  private declared?: { readonly path: string; readonly settings: ProviderSettings };
  private handler?: lambda.Function;
  /** Resources that may go on waiting in a new invocation: they need the function's leave to invoke itself. */
  private readonly waiting: CustomResource[] = [];

  private constructor(scope: Stack, id: string) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-codestar handler: manages the CodeStar projects, team members and user profiles of this stack',
    });

    this.grants = new GrantChunks(this, this.role);
    Aspects.of(this).add({ visit: node => (node === this ? this.materialize() : undefined) });
    this.passRoles = new ArnStatements(this.role, 'PassRoles', ['iam:PassRole'], {
      StringEquals: { 'iam:PassedToService': 'codestar.amazonaws.com' },
    });
    this.sourceObjects = new ArnStatements(this.role, 'SourceObjects', ['s3:GetObject']);
  }

  /**
   * Takes the settings of the stack's `CodeStarProvider`, declared at `path`. A stack has one: a
   * second declaration fails, naming both.
   */
  public configure(path: string, settings: ProviderSettings): void {
    if (this.declared !== undefined) {
      throw new Error(`${path}: a stack has one CodeStarProvider, and ${Stack.of(this).node.path} already has ${this.declared.path}; `
        + 'declare one per stack and give it all the settings');
    }
    if (this.handler !== undefined) {
      throw new Error(`${path}: the provider of ${Stack.of(this).node.path} was already made; declare the CodeStarProvider before the app is synthesized`);
    }
    this.declared = { path, settings };
  }

  /**
   * Creates a custom resource served by this provider. Its service token is the function's ARN,
   * which orders it after the function and so after the handler role and its default policy; the
   * grants that name it are ordered by `GrantChunks`.
   */
  public createResource(scope: Construct, id: string, options: CodeStarResourceOptions): CustomResource {
    const resource = new CustomResource(scope, id, {
      serviceToken: Lazy.string({ produce: () => this.function().functionArn }),
      resourceType: options.resourceType,
      properties: options.properties,
      serviceTimeout: options.serviceTimeout,
      removalPolicy: options.removalPolicy,
    });
    if (options.waits) {
      this.waiting.push(resource);
    }
    return resource;
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

  /** The function, once the app is complete; see `materialize`. */
  private function(): lambda.Function {
    if (this.handler === undefined) {
      throw new Error(`${this.node.path}: the provider's function is made when the app is synthesized`);
    }
    return this.handler;
  }

  /** Makes the function, its log group and the grants, once the app is complete (from an aspect). */
  private materialize(): void {
    if (this.handler === undefined) {
      this.handler = new ProviderFunction(this, this.role, this.declared?.settings ?? {}).function;
      if (this.waiting.length > 0) {
        // Its own ARN only: a policy of its own, so that the function does not depend on it (a cycle).
        // Inline: the role's 10 managed policies are the grant chunks' (old and new during an update).
        const selfInvoke = new iam.Policy(this, 'Continue', {
          roles: [this.role],
          statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.handler.functionArn] })],
        });
        explainContinueFindings(selfInvoke);
        this.waiting.forEach(resource => resource.node.addDependency(selfInvoke));
      }
    }
    this.grants.materialize();
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy instanceof iam.Policy) {
      explainDefaultPolicyFindings(defaultPolicy);
    }
  }
}
