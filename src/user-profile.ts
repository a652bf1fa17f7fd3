import { IResource, Resource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { USER_PROFILE_RESOURCE_TYPE, UserProfileAttributes, UserProfileProperties } from './private/contract';
import { readableUser, useIdentityLogicalId, userIdentity, userKey } from './private/identity';
import { USER_PROFILE_LOGICAL_ID_PREFIX } from './private/logical-ids';
import { CodeStarProvider, MEMBER_SERVICE_TIMEOUT } from './private/provider';
import { validateImportedUserArn, validateUserProfileProps } from './private/validation';

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
}

/**
 * The CodeStar profile of an IAM user: display name, email address and SSH public key, shared by
 * all the user's projects (CreateUserProfile).
 *
 * CodeStar keeps one profile per user and region: declare it once. Team members of the same user
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
    const existing = key !== undefined ? CodeStarProvider.find(this)?.userProfilesOf(key) ?? [] : [];
    if (existing.length > 0) {
      validator.add('user', `already has a UserProfile in this stack (${existing[0].node.path}): CodeStar keeps one profile per user`);
    }
    validator.throwIfInvalid(this, 'UserProfile properties');

    const provider = CodeStarProvider.getOrCreate(this);
    provider.grantUserProfile(props.user.userArn, this);

    const properties: UserProfileProperties = {
      userArn: props.user.userArn,
      displayName: props.displayName,
      emailAddress: props.emailAddress,
      ...(props.sshPublicKey !== undefined ? { sshPublicKey: props.sshPublicKey } : {}),
    };
    const resource = provider.createResource(this, 'Resource', {
      resourceType: USER_PROFILE_RESOURCE_TYPE,
      properties: { ...properties },
      serviceTimeout: MEMBER_SERVICE_TIMEOUT,
    });
    if (identity !== undefined) {
      useIdentityLogicalId(resource, USER_PROFILE_LOGICAL_ID_PREFIX, identity, [readableUser(props.user)]);
    }
    provider.registerUserProfile(key!, resource);

    this.userArn = resource.getAttString(UserProfileAttributes.USER_ARN);
  }
}
