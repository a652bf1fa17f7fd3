import {
  Annotations, Arn, ArnFormat, CfnDeletionPolicy, CfnResource, CustomResource, Duration, IResource, ITaggableV2, RemovalPolicy, Resource, Stack,
  TagManager, TagType,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CodeProperty, PROJECT_RESOURCE_TYPE, ProjectAttributes, ProjectProperties, ToolchainProperty } from './private/contract';
import { recordDeclaredProjectId } from './private/identity';
import { StackProvider } from './private/provider';
import { DEFAULT_PROJECT_TIMEOUT, projectServiceTimeout } from './private/provider/timeouts';
import {
  ModelValidator, validateImportedProjectArn, validateImportedProjectId, validateProjectProps, validateRemovalPolicy, validateTags,
} from './private/validation';
import { CodeDestination, ProjectSource, SourceCode } from './source';
import { TeamMember, TeamMemberOptions } from './team-member';
import { Toolchain } from './toolchain';

/**
 * An AWS CodeStar project, created by this app or imported.
 */
export interface ICodeStarProject extends IResource {
  /**
   * The ID of the project.
   *
   * @attribute
   */
  readonly projectId: string;

  /**
   * The ARN of the project.
   *
   * @attribute
   */
  readonly projectArn: string;

  /**
   * Adds an IAM user to the project's team.
   *
   * @param id the construct id of the team member, under this project
   * @param options the user, the role and remote access
   */
  addTeamMember(id: string, options: TeamMemberOptions): TeamMember;

  /**
   * Grants the given CodeStar actions on this project.
   *
   * @param grantee the principal
   * @param actions the actions, for example `codestar:DescribeProject`
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;
}

/**
 * Properties of a `CodeStarProject`.
 */
export interface CodeStarProjectProps {
  /**
   * The ID of the project: part of its ARN and of the names of the resources CodeStar creates.
   *
   * 2 to 15 characters: lowercase letters, digits and `-`, starting with a letter. Changing it
   * replaces the project.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateProject.html#CodeStar-CreateProject-request-id
   */
  readonly projectId: string;

  /**
   * The display name of the project.
   *
   * 1 to 100 characters, no leading or trailing whitespace. Changed in place with UpdateProject.
   * The API marks it sensitive: validation errors report its length, never its value.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateProject.html#CodeStar-CreateProject-request-name
   */
  readonly projectName: string;

  /**
   * The description of the project.
   *
   * Up to 1024 characters on one line, no leading or trailing whitespace. Changed in place with
   * UpdateProject. The API marks it sensitive: validation errors report its length, never its value.
   *
   * @default - no description
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateProject.html#CodeStar-CreateProject-request-description
   */
  readonly description?: string;

  /**
   * Seed code for the repositories that CodeStar creates with the project.
   *
   * Only together with `toolchain`. Used only when the project is created: changing it on a live
   * project fails the update (give the project a new `projectId` to replace it).
   *
   * @default - no repositories
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateProject.html#CodeStar-CreateProject-request-sourceCode
   */
  readonly sourceCode?: SourceCode[];

  /**
   * The CloudFormation template that CodeStar uses to create the project's toolchain.
   *
   * Only together with `sourceCode`. Used only when the project is created: changing it on a live
   * project fails the update (give the project a new `projectId` to replace it).
   *
   * @default - no toolchain
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateProject.html#CodeStar-CreateProject-request-toolchain
   */
  readonly toolchain?: Toolchain;

  /**
   * What happens to the project when it is removed from the stack, the stack is deleted, or the
   * project is replaced.
   *
   * AWS CodeStar accepts no new projects since 31 July 2024: a deleted project can never be
   * created again, which is why a created project is kept by default. The default,
   * `RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE` (CloudFormation's `RetainExceptOnCreate`), still lets
   * the rollback of the deployment that created the project delete it, so that a failed first
   * creation is cleaned up; `deletionProtection` then refuses the delete unless the creation itself
   * failed. `RemovalPolicy.DESTROY` deletes the project whenever it leaves the stack, once
   * `deletionProtection` is false. `SNAPSHOT` is not supported.
   *
   * @default - RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, or RemovalPolicy.RETAIN when `adopt` is true
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_DeleteProject.html
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether the handler refuses to delete the project.
   *
   * While true, every delete of the project (removed from the stack, replaced, the stack destroyed,
   * or the rollback of the deployment that created it) fails with a reason that says how to allow
   * it: deploy with `deletionProtection: false` first. A project whose creation failed is not
   * protected, so a failed first creation is still cleaned up. Protection is a property of the
   * deployed resource, checked by the handler, independent of `removalPolicy`: with a policy that
   * retains the project CloudFormation never asks for the delete at all.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Whether to take over a project with this id that exists and is not this stack's own creation.
   *
   * Without `adopt`, such a project is a conflict: the deployment fails and the project is left
   * alone. With it, the handler converges the existing project's name, description and tags to the
   * declared ones; `sourceCode` and `toolchain` apply only to a project the handler creates, never to
   * an adopted one. An adopted project was not created by this stack, so its removal policy
   * defaults to `RemovalPolicy.RETAIN`: not even the rollback of the deployment that adopted it
   * deletes it.
   *
   * @default false
   */
  readonly adopt?: boolean;

  /**
   * Whether deleting the project also deletes its CloudFormation stack, and with it the project's
   * repositories, pipeline and other resources (DeleteProject's `deleteStack`).
   *
   * Only applies when the project is deleted: with `removalPolicy: RemovalPolicy.DESTROY` and
   * `deletionProtection: false`, or when the deployment that created the project rolls back (see
   * `removalPolicy`). Deleting a stack never deletes code repositories unless you ask for it here.
   *
   * @default false - the project's own stack, repositories and pipeline are kept
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_DeleteProject.html#CodeStar-DeleteProject-request-deleteStack
   */
  readonly deleteProjectStack?: boolean;

  /**
   * How long to wait for CodeStar to finish creating, updating or deleting the project (creating
   * it includes CodeStar's own CloudFormation stack for the toolchain).
   *
   * When it is over, the deployment fails with a reason that says the project is still in progress;
   * CodeStar may finish in the background. The custom resource's CloudFormation `ServiceTimeout` is
   * this plus 5 minutes, so CloudFormation never gives up first. Whole seconds, from 1 to 55 minutes.
   *
   * @default Duration.minutes(30)
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-customresource.html#cfn-cloudformation-customresource-servicetimeout
   */
  readonly timeout?: Duration;
}

abstract class CodeStarProjectBase extends Resource implements ICodeStarProject {
  public abstract readonly projectId: string;
  public abstract readonly projectArn: string;

  public addTeamMember(id: string, options: TeamMemberOptions): TeamMember {
    return new TeamMember(this, id, { ...options, project: this });
  }

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.projectArn] });
  }

  /**
   * An imported project is not managed by this stack: it has no removal policy.
   *
   * @param policy the removal policy
   */
  public applyRemovalPolicy(policy: RemovalPolicy) {
    const validator = new ModelValidator();
    validator.add('removalPolicy', 'cannot be applied to an imported project: this stack does not manage it', policy);
    validator.throwIfInvalid(this, 'CodeStarProject removal policy');
  }
}

/**
 * An AWS CodeStar project, with its optional seed repositories and toolchain.
 *
 * The project is a custom resource served by the stack's CodeStar handler, which creates it with
 * CreateProject and waits until CodeStar reports it complete. The name, description and tags are
 * changed in place; a new `projectId` replaces the project.
 *
 * AWS CodeStar accepts no new projects since 31 July 2024 (synthesis warns once per stack). A
 * created project is therefore retained by default and protected from deletion
 * (`deletionProtection`), and deleting it never deletes its own stack unless `deleteProjectStack`
 * is set. With `adopt`, an existing project that this stack did not create is taken over.
 *
 * `projectArn` is built from the project id and the stack's partition, region and account (the ARN
 * CodeStar gives the project), not read from the custom resource: the handler's own policy must
 * name the project before the project exists, and one ARN serves the handler, team members and
 * `grant` alike.
 *
 * @example
 * declare const stack: Stack;
 * declare const alice: iam.IUser;
 *
 * const project = new CodeStarProject(stack, 'Project', {
 *   projectId: 'my-app',
 *   projectName: 'My App',
 *   description: 'Our service',
 *   sourceCode: [{
 *     source: ProjectSource.fromAsset('./seed-code'),
 *     destination: CodeDestination.codeCommit({ repositoryName: 'my-app' }),
 *   }],
 *   toolchain: Toolchain.fromAsset('./toolchain.yml', {
 *     stackParameters: { ProjectId: 'my-app' },
 *   }),
 * });
 * Tags.of(project).add('team', 'blue');
 * project.addTeamMember('Alice', { user: alice, role: ProjectRole.CONTRIBUTOR });
 */
export class CodeStarProject extends CodeStarProjectBase implements ITaggableV2 {
  /**
   * Imports an existing project by its id, in the scope's partition, region and account.
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param projectId the project id
   */
  public static fromProjectId(scope: Construct, id: string, projectId: string): ICodeStarProject {
    validateImportedProjectId(projectId).throwIfInvalid(`${scope.node.path}/${id}`, 'CodeStar project id');
    class Import extends CodeStarProjectBase {
      public readonly projectId = projectId;
      public readonly projectArn = projectArnOf(Stack.of(scope), projectId);
    }
    return new Import(scope, id);
  }

  /**
   * Imports an existing project by its ARN. Its team can only be managed from a stack in the
   * project's own region and account (the handler calls CodeStar there): a `TeamMember` of a project
   * in another region or account fails at synthesis.
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param projectArn the project ARN, `arn:<partition>:codestar:<region>:<account>:project/<id>`
   */
  public static fromProjectArn(scope: Construct, id: string, projectArn: string): ICodeStarProject {
    validateImportedProjectArn(projectArn).throwIfInvalid(`${scope.node.path}/${id}`, 'CodeStar project ARN');
    const projectId = Arn.split(projectArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    class Import extends CodeStarProjectBase {
      public readonly projectId = projectId;
      public readonly projectArn = projectArn;
    }
    return new Import(scope, id, { environmentFromArn: projectArn });
  }

  /**
   * The ID of the project.
   *
   * @attribute
   */
  public readonly projectId: string;

  /**
   * The ARN of the project.
   *
   * @attribute
   */
  public readonly projectArn: string;

  /**
   * The ARN of the CloudFormation stack in which CodeStar created the project's resources.
   *
   * @attribute
   */
  public readonly projectStackId: string;

  /**
   * The ID of the template CodeStar used to create the project, if any.
   *
   * @attribute
   */
  public readonly projectTemplateId: string;

  /**
   * The project's tags: add them with `Tags.of(project).add(key, value)`.
   */
  public readonly cdkTagManager: TagManager;

  constructor(scope: Construct, id: string, props: CodeStarProjectProps) {
    super(scope, id);

    validateProjectProps(props).throwIfInvalid(this, 'CodeStarProject properties');

    const provider = StackProvider.getOrCreate(this);
    provider.warnEndOfNewProjects(this);
    const adopt = props.adopt ?? false;
    // An adopted project was not created by this stack: not even the rollback of the deployment that
    // adopted it may delete it.
    const removalPolicy = props.removalPolicy ?? (adopt ? RemovalPolicy.RETAIN : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    const deleteStack = props.deleteProjectStack ?? false;
    const deletionProtection = props.deletionProtection ?? true;
    if (adopt && (props.sourceCode !== undefined || props.toolchain !== undefined)) {
      Annotations.of(this).addWarningV2('cdk-codestar:adoptWithSourceCode',
        'sourceCode and toolchain apply only to a project the handler creates: an adopted project keeps its own repositories and toolchain.');
    }

    this.projectArn = projectArnOf(Stack.of(this), props.projectId);
    recordDeclaredProjectId(this, props.projectId);
    // Owning the project includes managing its team.
    provider.grantProject(this.projectArn, this);

    // Tags are only known after the Tags aspects ran, so they are checked at synthesis.
    this.cdkTagManager = new TagManager(TagType.MAP, PROJECT_RESOURCE_TYPE);
    this.node.addValidation({ validate: () => validateTags(this.cdkTagManager.tagValues()) });

    const sourceCode = (props.sourceCode ?? []).map((code, i) =>
      this.renderCode(provider, new Construct(this, `SourceCode${i}`), code));
    const toolchain = props.toolchain ? this.renderToolchain(provider, props.toolchain) : undefined;

    const properties: ProjectProperties = {
      id: props.projectId,
      name: props.projectName,
      ...(props.description !== undefined ? { description: props.description } : {}),
      ...(sourceCode.length > 0 ? { sourceCode } : {}),
      ...(toolchain ? { toolchain } : {}),
      deleteStack,
      // Left out for the default, which the handler knows.
      ...(props.timeout !== undefined ? { timeoutSeconds: props.timeout.toSeconds() } : {}),
      // Left out unless true, so that the templates of apps that never adopt do not change.
      ...(adopt ? { adopt: true } : {}),
      // Always rendered: absent means false to the handler (resources deployed before it existed).
      deletionProtection,
    };
    const resource = provider.createResource(this, 'Resource', {
      resourceType: PROJECT_RESOURCE_TYPE,
      // Rendered to a map, or left out when there are none.
      properties: { ...properties, tags: this.cdkTagManager.renderedTags },
      serviceTimeout: projectServiceTimeout(props.timeout ?? DEFAULT_PROJECT_TIMEOUT),
      removalPolicy,
      waits: true,
    });
    provider.registerProject(props.projectId, resource);
    // The policy is final only once aspects ran (applyRemovalPolicy, or one on the CfnResource).
    this.node.addValidation({ validate: () => this.warnAboutRemoval(deleteStack, deletionProtection) });

    this.projectId = resource.getAttString(ProjectAttributes.ID);
    this.projectStackId = resource.getAttString(ProjectAttributes.STACK_ID);
    this.projectTemplateId = resource.getAttString(ProjectAttributes.PROJECT_TEMPLATE_ID);
  }

  /**
   * Applies a removal policy to the project: the DeletionPolicy and UpdateReplacePolicy of its
   * CloudFormation resource (see `removalPolicy`). Deleting the project also needs
   * `deletionProtection: false`.
   *
   * @param policy RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY (a project has no snapshot)
   */
  public applyRemovalPolicy(policy: RemovalPolicy) {
    const validator = new ModelValidator();
    validateRemovalPolicy(validator, policy, 'a CodeStar project');
    validator.throwIfInvalid(this, 'CodeStarProject removal policy');
    // The primary child: the custom resource, whose own default child is the CfnResource.
    (this.node.defaultChild as CustomResource).applyRemovalPolicy(policy);
  }

  /**
   * Warns about a removal policy and flags that contradict each other. Run at synthesis, after the
   * aspects: the resource's DeletionPolicy is the final one by then.
   */
  private warnAboutRemoval(deleteStack: boolean, deletionProtection: boolean): string[] {
    const deletionPolicy = (this.node.defaultChild!.node.defaultChild as CfnResource).cfnOptions.deletionPolicy;
    if (deletionPolicy === CfnDeletionPolicy.DELETE && deletionProtection) {
      Annotations.of(this).addWarningV2('cdk-codestar:destroyWithDeletionProtection',
        'removalPolicy is RemovalPolicy.DESTROY, but deletionProtection is true: deleting the project (removing it from the stack, '
        + 'replacing it or destroying the stack) fails with the protection reason. Deploy with deletionProtection: false first to allow it.');
    }
    if (deleteStack && deletionPolicy !== CfnDeletionPolicy.DELETE) {
      Annotations.of(this).addWarningV2('cdk-codestar:deleteProjectStackWithoutDestroy',
        deletionPolicy === CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE
          ? 'deleteProjectStack has no effect unless removalPolicy is RemovalPolicy.DESTROY: with RETAIN_ON_UPDATE_OR_DELETE the project is '
            + 'deleted only by the rollback of the deployment that created it, and is otherwise kept, and so is its stack.'
          : 'deleteProjectStack has no effect unless removalPolicy is RemovalPolicy.DESTROY: the project is kept, and so is its stack.');
    }
    return [];
  }

  private renderCode(provider: StackProvider, scope: Construct, code: SourceCode): CodeProperty {
    return {
      source: { s3: this.renderSource(provider, scope, code.source) },
      destination: this.renderDestination(provider, code.destination),
    };
  }

  private renderSource(provider: StackProvider, scope: Construct, source: ProjectSource) {
    const config = source.bind(scope);
    // CodeStar reads the object with the caller's credentials: the handler's.
    provider.grantReadObject(config.bucket, config.objectKey);
    return { bucketName: config.bucket.bucketName, bucketKey: config.objectKey };
  }

  private renderDestination(provider: StackProvider, destination: CodeDestination): CodeProperty['destination'] {
    const gitHub = destination.gitHubOptions;
    if (!gitHub) {
      // Validation made sure that a destination that is not GitHub is CodeCommit.
      return { codeCommit: { name: destination.codeCommitOptions!.repositoryName } };
    }
    // Only the secret's ARN enters the template; the handler reads the token at run time.
    provider.grantReadSecret(gitHub.token);
    return {
      gitHub: {
        name: gitHub.repositoryName,
        ...(gitHub.description !== undefined ? { description: gitHub.description } : {}),
        type: gitHub.ownerType,
        owner: gitHub.owner,
        privateRepository: gitHub.privateRepository ?? true,
        issuesEnabled: gitHub.issuesEnabled ?? false,
        tokenSecretArn: gitHub.token.secretArn,
        ...(gitHub.tokenJsonField !== undefined ? { tokenSecretJsonField: gitHub.tokenJsonField } : {}),
      },
    };
  }

  private renderToolchain(provider: StackProvider, toolchain: Toolchain): ToolchainProperty {
    const source = this.renderSource(provider, new Construct(this, 'Toolchain'), toolchain.template);
    if (toolchain.role) {
      provider.grantPassRole(toolchain.role);
    }
    return {
      source: { s3: source },
      ...(toolchain.role ? { roleArn: toolchain.role.roleArn } : {}),
      ...(toolchain.stackParameters !== undefined ? { stackParameters: toolchain.stackParameters } : {}),
    };
  }
}

/** The ARN CodeStar gives a project: `arn:<partition>:codestar:<region>:<account>:project/<id>`. */
function projectArnOf(stack: Stack, projectId: string): string {
  return stack.formatArn({ service: 'codestar', resource: 'project', resourceName: projectId });
}
