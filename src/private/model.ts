/**
 * The part of the CodeStar API model that the constructs validate against, copied verbatim from
 * `model/constraints.json` (`shapes`), so that no limit is guessed: `test/model.test.ts` checks that
 * every entry here deep-equals its shape in that file.
 *
 * Only the input shapes of CreateProject, AssociateTeamMember and CreateUserProfile that a construct
 * property maps onto are listed, plus `ProjectArn` for `CodeStarProject.fromProjectArn`.
 */

/** A Smithy `length` trait: for strings the number of code points, for maps the number of entries. */
export interface LengthTrait {
  readonly min?: number;
  readonly max?: number;
}

export interface StringShape {
  readonly type: 'string';
  readonly traits?: {
    readonly length?: LengthTrait;
    /** An ECMA-262 pattern; compile it with `compilePattern` (patterns.ts). */
    readonly pattern?: string;
    /** `smithy.api#sensitive`: the value is never printed in an error. */
    readonly sensitive?: boolean;
  };
}

export interface BooleanShape {
  readonly type: 'boolean';
  readonly traits?: { readonly default?: boolean };
}

export interface MapShape {
  readonly type: 'map';
  readonly traits?: { readonly length?: LengthTrait };
  readonly key: StringShapeName;
  readonly value: StringShapeName;
}

export interface StructureMember {
  readonly target: string;
  readonly required?: boolean;
  readonly memberTraits?: { readonly default?: boolean | null };
}

export interface StructureShape {
  readonly type: 'structure';
  readonly members: { readonly [member: string]: StructureMember };
}

export const STRING_SHAPES = {
  BucketName: { type: 'string', traits: { length: { min: 3, max: 63 } } },
  Email: { type: 'string', traits: { length: { min: 3, max: 128 }, pattern: '^[\\w-.+]+@[\\w-.+]+$', sensitive: true } },
  ProjectArn: { type: 'string', traits: { pattern: '^arn:aws[^:\\s]*:codestar:[^:\\s]+:[0-9]{12}:project\\/[a-z]([a-z0-9|-])+$' } },
  ProjectDescription: { type: 'string', traits: { length: { min: 0, max: 1024 }, pattern: '^$|^\\S(.*\\S)?$', sensitive: true } },
  ProjectId: { type: 'string', traits: { length: { min: 2, max: 15 }, pattern: '^[a-z][a-z0-9-]+$' } },
  ProjectName: { type: 'string', traits: { length: { min: 1, max: 100 }, pattern: '^\\S(.*\\S)?$', sensitive: true } },
  RepositoryDescription: { type: 'string', traits: { length: { min: 1, max: 1000 }, pattern: '^\\S(.*\\S)?$' } },
  RepositoryName: { type: 'string', traits: { length: { min: 1, max: 100 }, pattern: '^\\S[\\w.-]*$' } },
  RepositoryOwner: { type: 'string', traits: { length: { min: 1, max: 100 }, pattern: '^\\S(.*\\S)?$' } },
  RepositoryType: { type: 'string', traits: { pattern: '^(user|organization|User|Organization)$' } },
  Role: { type: 'string', traits: { pattern: '^(Owner|Viewer|Contributor)$' } },
  RoleArn: { type: 'string', traits: { length: { min: 1, max: 1224 } } },
  SshPublicKey: { type: 'string', traits: { length: { min: 0, max: 16384 }, pattern: '^[\\t\\r\\n\\u0020-\\u00FF]*$' } },
  TagKey: { type: 'string', traits: { length: { min: 1, max: 128 }, pattern: '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$' } },
  TagValue: { type: 'string', traits: { length: { min: 0, max: 256 }, pattern: '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$' } },
  TemplateParameterKey: { type: 'string', traits: { length: { min: 1, max: 30 }, pattern: '^\\S(.*\\S)?$' } },
  TemplateParameterValue: { type: 'string', traits: { length: { min: 1, max: 100 }, pattern: '^\\S(.*\\S)?$', sensitive: true } },
  UserArn: {
    type: 'string',
    traits: { length: { min: 32, max: 95 }, pattern: '^arn:aws:iam::\\d{12}:user(?:(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F))[\\w+=,.@-]+$' },
  },
  UserProfileDisplayName: { type: 'string', traits: { length: { min: 1, max: 64 }, pattern: '^\\S(.*\\S)?$', sensitive: true } },
} as const satisfies Record<string, StringShape>;

export type StringShapeName = keyof typeof STRING_SHAPES;

export const MAP_SHAPES = {
  Tags: { type: 'map', key: 'TagKey', value: 'TagValue' },
  TemplateParameterMap: { type: 'map', traits: { length: { min: 0, max: 25 } }, key: 'TemplateParameterKey', value: 'TemplateParameterValue' },
} as const satisfies Record<string, MapShape>;

export type MapShapeName = keyof typeof MAP_SHAPES;

export const STRUCTURE_SHAPES = {
  CreateProjectRequest: {
    type: 'structure',
    members: {
      name: { target: 'ProjectName', required: true },
      id: { target: 'ProjectId', required: true },
      description: { target: 'ProjectDescription' },
      clientRequestToken: { target: 'ClientRequestToken' },
      sourceCode: { target: 'SourceCode' },
      toolchain: { target: 'Toolchain' },
      tags: { target: 'Tags' },
    },
  },
  Code: {
    type: 'structure',
    members: {
      source: { target: 'CodeSource', required: true },
      destination: { target: 'CodeDestination', required: true },
    },
  },
  S3Location: {
    type: 'structure',
    members: {
      bucketName: { target: 'BucketName' },
      bucketKey: { target: 'BucketKey' },
    },
  },
  CodeCommitCodeDestination: {
    type: 'structure',
    members: {
      name: { target: 'RepositoryName', required: true },
    },
  },
  GitHubCodeDestination: {
    type: 'structure',
    members: {
      name: { target: 'RepositoryName', required: true },
      description: { target: 'RepositoryDescription' },
      type: { target: 'RepositoryType', required: true },
      owner: { target: 'RepositoryOwner', required: true },
      privateRepository: { target: 'RepositoryIsPrivate', required: true, memberTraits: { default: false } },
      issuesEnabled: { target: 'RepositoryEnableIssues', required: true, memberTraits: { default: false } },
      token: { target: 'GitHubPersonalToken', required: true },
    },
  },
  Toolchain: {
    type: 'structure',
    members: {
      source: { target: 'ToolchainSource', required: true },
      roleArn: { target: 'RoleArn' },
      stackParameters: { target: 'TemplateParameterMap' },
    },
  },
  AssociateTeamMemberRequest: {
    type: 'structure',
    members: {
      projectId: { target: 'ProjectId', required: true },
      clientRequestToken: { target: 'ClientRequestToken' },
      userArn: { target: 'UserArn', required: true },
      projectRole: { target: 'Role', required: true },
      remoteAccessAllowed: { target: 'RemoteAccessAllowed', memberTraits: { default: null } },
    },
  },
  CreateUserProfileRequest: {
    type: 'structure',
    members: {
      userArn: { target: 'UserArn', required: true },
      displayName: { target: 'UserProfileDisplayName', required: true },
      emailAddress: { target: 'Email', required: true },
      sshPublicKey: { target: 'SshPublicKey' },
    },
  },
} as const satisfies Record<string, StructureShape>;

export type StructureShapeName = keyof typeof STRUCTURE_SHAPES;
