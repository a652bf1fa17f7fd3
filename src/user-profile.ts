import { CustomResource, IResource, RemovalPolicy, Resource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { USER_PROFILE_RESOURCE_TYPE, UserProfileAttributes, UserProfileProperties } from './private/contract';
import { readableUser, useIdentityLogicalId, userIdentity, userKey } from './private/identity';
import { USER_PROFILE_LOGICAL_ID_PREFIX } from './private/logical-ids';
import { claimOwnership, describeOwner, ownerOf } from './private/owners';
import { StackProvider } from './private/provider';
import { MEMBER_SERVICE_TIMEOUT } from './private/provider/timeouts';
import { ModelValidator, validateImportedUserArn, validateRemovalPolicy, validateUserProfileProps } from './private/validation';

/**
 * An AWS CodeStar user profile, created by this app or imported.
 */
export interface IUserProfile extends IResource {
  /**
   * The ARN of the IAM user the profile belongs to.
   *
   * @attribute
   */
  readonly userArn: string;
}

/**
 * Properties of a `UserProfile`.
 */
export interface UserProfileProps {
  /**
   * The IAM user the profile belongs to. Changing it replaces the profile.
   *
   * CodeStar accepts only IAM user ARNs of the `aws` partition (`arn:aws:iam::<account>:user/...`).
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateUserProfile.html#CodeStar-CreateUserProfile-request-userArn
   */
  readonly user: iam.IUser;

  /**
   * The name shown for the user in CodeStar, for example on the project dashboard.
   *
   * 1 to 64 characters, no leading or trailing whitespace. Changed in place with
   * UpdateUserProfile. Personal data: validation errors report its length, never its value.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateUserProfile.html#CodeStar-CreateUserProfile-request-displayName
   */
  readonly displayName: string;

  /**
   * The user's email address.
   *
   * 3 to 128 characters of the form `name@domain` (letters, digits, `_`, `-`, `.`, `+`). Changed in
   * place with UpdateUserProfile. Personal data: validation errors report its length, never its
   * value.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateUserProfile.html#CodeStar-CreateUserProfile-request-emailAddress
   */
  readonly emailAddress: string;

  /**
   * The SSH public key the user connects with when a project allows them remote access.
   *
   * Up to 16384 Latin-1 characters. Changed in place with UpdateUserProfile. Validation errors
   * report its length, never its value.
   *
   * @default - no SSH public key
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CreateUserProfile.html#CodeStar-CreateUserProfile-request-sshPublicKey
   */
  readonly sshPublicKey?: string;

  /**
   * Whether to take over the user's existing profile.
   *
   * CodeStar keeps one profile per user. Without `adopt`, a profile that exists before this one is
   * created is used when it is identical to the declared one (and then never changed or deleted), and
   * fails the deployment when it differs. With `adopt`, the handler converges the existing profile's
   * display name, email address and SSH key to the declared ones. The original values are personal
   * data and are not kept anywhere: deleting an adopted profile does not restore them. An adopted
   * profile's removal policy defaults to `RemovalPolicy.RETAIN`, since this stack did not create it.
   *
   * @default false
   */
  readonly adopt?: boolean;

  /**
   * What happens to the profile when it is removed from the stack, the stack is deleted, or the
   * profile is replaced (another user).
   *
   * `RemovalPolicy.DESTROY` deletes the profile (DeleteUserProfile). `RemovalPolicy.RETAIN` keeps
   * it, with the fields this stack last gave it: use it to hand the profile over to another stack or
   * to manage it by hand. `RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE` also keeps it, except on the
   * rollback of the deployment that created it. `SNAPSHOT` is not supported.
   *
   * @default - RemovalPolicy.DESTROY, or RemovalPolicy.RETAIN when `adopt` is true
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The CodeStar profile of an IAM user: display name, email address and SSH public key, shared by
 * all the user's projects (CreateUserProfile).
 *
 * CodeStar keeps one profile per user and region: declare it once in an app (stacks that deploy to
 * different accounts or regions are different profiles). Team members of the same user
 * with `remoteAccessAllowed` in the same stack are created after the profile (see `TeamMember`).
 * The display name, email address and SSH key are changed in place; another user replaces the
 * profile.
 *
 * The profile's logical id comes from its user (`UserProfile<user><hash>`), not from its construct
 * path: renaming or moving the construct changes nothing in CodeStar.
 *
 * @example
 * declare const stack: Stack;
 *
 * const alice = new iam.User(stack, 'Alice');
 * new UserProfile(stack, 'AliceProfile', {
 *   user: alice,
 *   displayName: 'Alice Example',
 *   emailAddress: 'alice@example.org',
 * });
 */
export class UserProfile extends Resource implements IUserProfile {
  /**
   * Imports the existing profile of a user.
   *
   * @param scope the parent construct
   * @param id the construct id
   * @param userArn the ARN of the IAM user the profile belongs to
   */
  public static fromUserArn(scope: Construct, id: string, userArn: string): IUserProfile {
    validateImportedUserArn(userArn).throwIfInvalid(`${scope.node.path}/${id}`, 'CodeStar user ARN');
    class Import extends Resource implements IUserProfile {
      public readonly userArn = userArn;

      public applyRemovalPolicy(policy: RemovalPolicy) {
        const validator = new ModelValidator();
        validator.add('removalPolicy', 'cannot be applied to an imported profile: this stack does not manage it', policy);
        validator.throwIfInvalid(this, 'UserProfile removal policy');
      }
    }
    return new Import(scope, id);
  }

  /**
   * The ARN of the IAM user the profile belongs to.
   *
   * @attribute
   */
  public readonly userArn: string;

  constructor(scope: Construct, id: string, props: UserProfileProps) {
    super(scope, id);

    const validator = validateUserProfileProps(props);
    const identity = props.user ? userIdentity(this, props.user) : undefined;
    const key = props.user ? userKey(this, props.user) : undefined;
    const existing = key !== undefined ? ownerOf(this, 'UserProfile', key) : undefined;
    if (existing) {
      validator.add('user', `already has a UserProfile ${describeOwner(existing, this)}: CodeStar keeps one profile per user, declare it once in an app`,
        identity ?? props.user.userArn);
    }
    validator.throwIfInvalid(this, 'UserProfile properties');

    const provider = StackProvider.getOrCreate(this);
    provider.grantUserProfile(props.user.userArn, this);

    const adopt = props.adopt ?? false;
    const properties: UserProfileProperties = {
      userArn: props.user.userArn,
      displayName: props.displayName,
      emailAddress: props.emailAddress,
      ...(props.sshPublicKey !== undefined ? { sshPublicKey: props.sshPublicKey } : {}),
      // Left out unless true, so that the templates of apps that never adopt do not change.
      ...(adopt ? { adopt: true } : {}),
    };
    const resource = provider.createResource(this, 'Resource', {
      resourceType: USER_PROFILE_RESOURCE_TYPE,
      properties: { ...properties },
      serviceTimeout: MEMBER_SERVICE_TIMEOUT,
      // An adopted profile was not created by this stack: not even the rollback of the deployment
      // that adopted it may delete it.
      removalPolicy: props.removalPolicy ?? (adopt ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY),
    });
    if (identity !== undefined) {
      useIdentityLogicalId(resource, USER_PROFILE_LOGICAL_ID_PREFIX, identity, [readableUser(props.user)]);
    }
    provider.registerUserProfile(key!, resource);
    claimOwnership(this, 'UserProfile', key!);

    this.userArn = resource.getAttString(UserProfileAttributes.USER_ARN);
  }

  /**
   * Applies a removal policy to the profile: the DeletionPolicy and UpdateReplacePolicy of its
   * CloudFormation resource (see `removalPolicy`).
   *
   * @param policy RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY (a profile has no snapshot)
   */
  public applyRemovalPolicy(policy: RemovalPolicy) {
    const validator = new ModelValidator();
    validateRemovalPolicy(validator, policy, 'a CodeStar user profile');
    validator.throwIfInvalid(this, 'UserProfile removal policy');
    // The primary child: the custom resource, whose own default child is the CfnResource.
    (this.node.defaultChild as CustomResource).applyRemovalPolicy(policy);
  }
}
