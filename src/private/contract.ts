/**
 * The deployed contract between the constructs (src/) and the handler (lambda/): resource types,
 * property keys and attribute names. Once released these never change meaning, because templates
 * deployed with an older version keep sending them.
 *
 * This module imports nothing, so the handler bundle stays small. Property names are the CodeStar
 * API's own member names, except where a secret is replaced by a reference to it.
 */

export const PROJECT_RESOURCE_TYPE = 'Custom::CodeStarProject';
export const TEAM_MEMBER_RESOURCE_TYPE = 'Custom::CodeStarTeamMember';
export const USER_PROFILE_RESOURCE_TYPE = 'Custom::CodeStarUserProfile';

/** An S3 object, as CreateProject's `S3Location`. */
export interface S3LocationProperty {
  readonly bucketName: string;
  readonly bucketKey: string;
}

/** CreateProject `CodeCommitCodeDestination`. */
export interface CodeCommitDestinationProperty {
  readonly name: string;
}

/**
 * CreateProject `GitHubCodeDestination`, with `token` replaced by a Secrets Manager reference that
 * the handler resolves at run time: the token never enters a template.
 */
export interface GitHubDestinationProperty {
  readonly name: string;
  readonly description?: string;
  readonly type: string;
  readonly owner: string;
  readonly privateRepository: boolean;
  readonly issuesEnabled: boolean;
  /** ARN of the Secrets Manager secret that holds the personal access token. */
  readonly tokenSecretArn: string;
  /** When the secret is JSON, the field that holds the token; otherwise the whole secret string. */
  readonly tokenSecretJsonField?: string;
}

/** CreateProject `Code`. */
export interface CodeProperty {
  readonly source: { readonly s3: S3LocationProperty };
  readonly destination: {
    readonly codeCommit?: CodeCommitDestinationProperty;
    readonly gitHub?: GitHubDestinationProperty;
  };
}

/** CreateProject `Toolchain`. */
export interface ToolchainProperty {
  readonly source: { readonly s3: S3LocationProperty };
  readonly roleArn?: string;
  readonly stackParameters?: Record<string, string>;
}

/** Properties of `Custom::CodeStarProject` (CreateProject's members, plus DeleteProject's `deleteStack`). */
export interface ProjectProperties {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly sourceCode?: CodeProperty[];
  readonly toolchain?: ToolchainProperty;
  readonly tags?: Record<string, string>;
  /** DeleteProject `deleteStack`: also delete the project's CloudFormation stack and its resources. */
  readonly deleteStack?: boolean;
  /**
   * Not an API member: how long the handler waits for the project to reach a final state after a
   * create, update or delete, in seconds (CodeStarProject `timeout`). DEFAULT_PROJECT_TIMEOUT_SECONDS
   * when absent.
   */
  readonly timeoutSeconds?: number;
  /**
   * Not an API member: take over a project that exists and is not this resource's own creation
   * (converge its name, description and tags). Absent means false: such a project is a conflict.
   */
  readonly adopt?: boolean;
  /**
   * Not an API member: while true, the handler refuses to delete the project (CodeStar can never
   * create it again), except when its creation failed. Absent (a resource deployed before this
   * property existed) means false.
   */
  readonly deletionProtection?: boolean;
}

/** How long the handler waits for a project when its properties name no timeout. */
export const DEFAULT_PROJECT_TIMEOUT_SECONDS = 1800;

/** Properties of `Custom::CodeStarTeamMember` (AssociateTeamMember's members). */
export interface TeamMemberProperties {
  readonly projectId: string;
  readonly userArn: string;
  readonly projectRole: string;
  readonly remoteAccessAllowed?: boolean;
}

/** Properties of `Custom::CodeStarUserProfile` (CreateUserProfile's members). */
export interface UserProfileProperties {
  readonly userArn: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
  /**
   * Not an API member: take over a profile that exists (converge its fields); its original fields
   * are personal data and are not kept. Absent means false: an existing profile is used when it is
   * identical to the declared one, never changed or deleted, and a conflict when it differs.
   */
  readonly adopt?: boolean;
}

/** Attributes (`Data` keys) of `Custom::CodeStarProject`. Every key always has a value. */
export const ProjectAttributes = {
  ID: 'Id',
  ARN: 'Arn',
  STACK_ID: 'StackId',
  PROJECT_TEMPLATE_ID: 'ProjectTemplateId',
} as const;

/** Attributes (`Data` keys) of `Custom::CodeStarTeamMember`. */
export const TeamMemberAttributes = {
  PROJECT_ID: 'ProjectId',
  USER_ARN: 'UserArn',
} as const;

/** Attributes (`Data` keys) of `Custom::CodeStarUserProfile`. No personal data, ever. */
export const UserProfileAttributes = {
  USER_ARN: 'UserArn',
} as const;

/** The provider function's handler: the bundle's entry that answers CloudFormation itself. */
export const HANDLER_ENTRY = 'index.handler';

/**
 * The physical id of a Create answered as failed before anything was made; its rollback Delete is
 * acknowledged without a call. The value aws-cdk-lib's Provider framework and CustomResourceProvider
 * use, so that a stack that failed under the framework rolls back the same way.
 */
export const CREATE_FAILED_PHYSICAL_ID = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

/** The longest interval between two checks of a project CodeStar is creating or deleting, in seconds. */
export const POLL_INTERVAL_MAX_SECONDS = 15;
