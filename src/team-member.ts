import { Annotations, CustomResource, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TEAM_MEMBER_RESOURCE_TYPE, TeamMemberProperties } from './private/contract';
import { projectIdentity, readableProject, readableUser, useIdentityLogicalId, userIdentity, userKey } from './private/identity';
import { TEAM_MEMBER_LOGICAL_ID_PREFIX, teamMemberIdentity } from './private/logical-ids';
import { claimOwnership, describeOwner, ownerOf } from './private/owners';
import { StackProvider } from './private/provider';
import { MEMBER_SERVICE_TIMEOUT } from './private/provider/timeouts';
import { ModelValidator, validateRemovalPolicy, validateTeamMemberProps } from './private/validation';
import type { ICodeStarProject } from './project';

/**
 * The role of a team member in a CodeStar project.
 *
 * @see https://docs.aws.amazon.com/codestar/latest/userguide/working-with-teams.html
 */
export enum ProjectRole {
  /** Full control of the project, its team and its resources. */
  OWNER = 'Owner',
  /** Works on the project's resources (code, builds, deployments), but not on its team. */
  CONTRIBUTOR = 'Contributor',
  /** Read-only access to the project and its dashboard. */
  VIEWER = 'Viewer',
}

/**
 * A team member, as added with `project.addTeamMember(...)`.
 */
export interface TeamMemberOptions {
  /**
   * The IAM user to add to the team. Changing it replaces the team member.
   *
   * CodeStar accepts only IAM user ARNs of the `aws` partition (`arn:aws:iam::<account>:user/...`).
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_AssociateTeamMember.html#CodeStar-AssociateTeamMember-request-userArn
   */
  readonly user: iam.IUser;

  /**
   * The user's role in the project. Changed in place with UpdateTeamMember.
   *
   * @default ProjectRole.VIEWER - the least access; the API has no default
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_AssociateTeamMember.html#CodeStar-AssociateTeamMember-request-projectRole
   */
  readonly role?: ProjectRole;

  /**
   * Whether the user may connect remotely (SSH) to the project's Amazon EC2 instances.
   *
   * Remote access needs an SSH public key in the user's profile: a `UserProfile` of the same user
   * in the same stack is created before this member. Changed in place with UpdateTeamMember.
   *
   * @default false
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_AssociateTeamMember.html#CodeStar-AssociateTeamMember-request-remoteAccessAllowed
   */
  readonly remoteAccessAllowed?: boolean;

  /**
   * What happens to the membership when the team member is removed from the stack, the stack is
   * deleted, or the member is replaced (another user or project).
   *
   * `RemovalPolicy.DESTROY` removes the user from the project's team (DisassociateTeamMember), or
   * restores the membership the user had before this stack adopted it. `RemovalPolicy.RETAIN` keeps
   * the user in the team, with the role this stack last gave them: use it to hand the membership
   * over to another stack or to manage it by hand. `RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE` also
   * keeps it, except on the rollback of the deployment that created it. `SNAPSHOT` is not supported.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Properties of a `TeamMember`.
 */
export interface TeamMemberProps extends TeamMemberOptions {
  /**
   * The project to add the user to. Changing it replaces the team member.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_AssociateTeamMember.html#CodeStar-AssociateTeamMember-request-projectId
   */
  readonly project: ICodeStarProject;
}

/**
 * An IAM user in the team of a CodeStar project (AssociateTeamMember).
 *
 * Creation order is taken care of:
 * - the member is created after its project: a project of this app is referenced (and depended on)
 *   directly; a project imported by id is ordered after a `CodeStarProject` with the same id in the
 *   same stack, if there is one;
 * - a member with `remoteAccessAllowed` is created after a `UserProfile` of the same user in the
 *   same stack, because remote access needs the profile's SSH key. Across stacks, order them with
 *   `member.node.addDependency(profile)`.
 *
 * The user's role and remote access are changed in place; a different user or project replaces the
 * member.
 *
 * The member's logical id comes from its project and user (`TeamMember<project><user><hash>`), not
 * from its construct path: renaming or moving the construct, or declaring members in a list and
 * removing one, changes nothing in CodeStar. A user is known by its name, however it is imported or
 * declared, and a project by its id. A membership has one owner in an app: a user can be declared
 * only once per project, in one stack (stacks that deploy to different accounts or regions are
 * different projects).
 *
 * @example
 * declare const stack: Stack;
 * declare const user: iam.IUser;
 *
 * const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
 * new TeamMember(stack, 'Alice', {
 *   project,
 *   user,
 *   role: ProjectRole.CONTRIBUTOR,
 * });
 */
export class TeamMember extends Resource {
  constructor(scope: Construct, id: string, props: TeamMemberProps) {
    super(scope, id);

    const projectRole = props.role ?? ProjectRole.VIEWER;
    const validator = validateTeamMemberProps(props, projectRole);
    const user = props.user ? userIdentity(this, props.user) : undefined;
    const project = props.project ? projectIdentity(props.project) : undefined;
    const key = user !== undefined && project !== undefined ? teamMemberIdentity(project, user) : undefined;
    const existing = key !== undefined ? ownerOf(this, 'TeamMember', key) : undefined;
    if (existing) {
      validator.add('user', `is already a member of project ${JSON.stringify(project)} ${describeOwner(existing, this)}: `
        + 'a membership has one owner in an app, declare each member once', user);
    }
    if (props.project) {
      checkProjectEnvironment(this, props.project, validator);
    }
    validator.throwIfInvalid(this, 'TeamMember properties');

    const remoteAccessAllowed = props.remoteAccessAllowed ?? false;
    const provider = StackProvider.getOrCreate(this);
    provider.grantTeam(props.project.projectArn, this);

    const properties: TeamMemberProperties = {
      projectId: props.project.projectId,
      userArn: props.user.userArn,
      projectRole,
      remoteAccessAllowed,
    };
    const resource = provider.createResource(this, 'Resource', {
      resourceType: TEAM_MEMBER_RESOURCE_TYPE,
      properties: { ...properties },
      serviceTimeout: MEMBER_SERVICE_TIMEOUT,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    if (key !== undefined) {
      useIdentityLogicalId(resource, TEAM_MEMBER_LOGICAL_ID_PREFIX, key, [readableProject(props.project), readableUser(props.user)]);
      claimOwnership(this, 'TeamMember', key);
    }

    const projectResource = props.project.node.defaultChild;
    if (!projectResource) {
      provider.registerMemberOfImportedProject(props.project.projectId, resource);
    } else if (!Token.isUnresolved(props.project.projectId)) {
      // A CodeStarProject's id is its resource's attribute (Fn::GetAtt), which already orders the
      // member after it; a DependsOn as well would only be redundant (cfn-lint W3005).
      resource.node.addDependency(projectResource);
    }
    if (remoteAccessAllowed) {
      provider.registerRemoteAccessMember(userKey(this, props.user), resource);
    }
  }

  /**
   * Applies a removal policy to the membership: the DeletionPolicy and UpdateReplacePolicy of its
   * CloudFormation resource (see `removalPolicy`).
   *
   * @param policy RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY (a membership has no snapshot)
   */
  public applyRemovalPolicy(policy: RemovalPolicy) {
    const validator = new ModelValidator();
    validateRemovalPolicy(validator, policy, 'a CodeStar team member');
    validator.throwIfInvalid(this, 'TeamMember removal policy');
    // The primary child: the custom resource, whose own default child is the CfnResource.
    (this.node.defaultChild as CustomResource).applyRemovalPolicy(policy);
  }
}

/**
 * The handler calls CodeStar in its own stack's region and account, with the project's id only: a
 * project imported by the ARN of another region or account would be looked up (or worse, found) in
 * the wrong place. An error when both environments are known and differ, a warning when the stack's
 * is not known at synthesis.
 */
function checkProjectEnvironment(member: TeamMember, project: ICodeStarProject, validator: ModelValidator) {
  const stack = Stack.of(member);
  for (const [part, theirs, ours] of [['region', project.env.region, stack.region], ['account', project.env.account, stack.account]]) {
    if (Token.isUnresolved(theirs) || theirs === ours) {
      continue;
    }
    if (Token.isUnresolved(ours)) {
      Annotations.of(member).addWarningV2(`cdk-codestar:projectEnvironment:${part}`,
        `The project is in ${part} ${theirs}; the handler manages its team from this stack's ${part}: deploy the stack there.`);
    } else {
      validator.add('project.projectArn', `is in ${part} ${theirs}, but this stack deploys to ${ours}: the handler manages a team in its own stack's region and account`, project.projectArn);
    }
  }
}
