import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * Where CodeStar finds an S3 object: the result of binding a `ProjectSource`.
 */
export interface ProjectSourceConfig {
  /**
   * The bucket that holds the object. The handler is granted `s3:GetObject` on the object (and
   * decryption with the bucket's key, if it has one), because CodeStar reads it with the caller's
   * credentials.
   */
  readonly bucket: s3.IBucket;

  /**
   * The object key in the bucket.
   */
  readonly objectKey: string;
}

/**
 * An S3 object that CodeStar reads when it creates a project: the seed code of a repository, or a
 * toolchain template.
 *
 * CodeStar reads sources only when it creates the project; changing a source of a live project
 * fails the update (give the project a new `projectId` to replace it).
 *
 * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_S3Location.html
 */
export abstract class ProjectSource {
  /**
   * A local file or folder, uploaded as a CDK asset: a folder is zipped, a file (an existing zip
   * archive, a toolchain template) is uploaded as is.
   *
   * The handler is granted `s3:GetObject` on the uploaded object only.
   *
   * @param path the path of the file or folder
   * @param options asset options (bundling, exclusions, hashing)
   */
  public static fromAsset(path: string, options: s3_assets.AssetOptions = {}): ProjectSource {
    return new AssetProjectSource(path, options);
  }

  /**
   * An object that already exists in an S3 bucket.
   *
   * The handler is granted `s3:GetObject` on the object, and decryption with the bucket's key if
   * the bucket has one.
   *
   * @param bucket the bucket
   * @param key the object key
   */
  public static fromBucket(bucket: s3.IBucket, key: string): ProjectSource {
    return new BucketProjectSource(bucket, key);
  }

  /**
   * Binds the source to a project, creating whatever it needs (an asset) under `scope`.
   *
   * @param scope the scope to create children in; unique per use of the source
   */
  public abstract bind(scope: Construct): ProjectSourceConfig;

  /**
   * The bucket name, if it is known without binding: it is checked before anything is created.
   *
   * @internal
   */
  public _bucketNameBeforeBind(): string | undefined {
    return undefined;
  }
}

class AssetProjectSource extends ProjectSource {
  constructor(private readonly path: string, private readonly options: s3_assets.AssetOptions) {
    super();
  }

  public bind(scope: Construct): ProjectSourceConfig {
    const asset = new s3_assets.Asset(scope, 'Asset', { ...this.options, path: this.path });
    return { bucket: asset.bucket, objectKey: asset.s3ObjectKey };
  }
}

class BucketProjectSource extends ProjectSource {
  constructor(private readonly bucket: s3.IBucket, private readonly key: string) {
    super();
  }

  public bind(_scope: Construct): ProjectSourceConfig {
    return { bucket: this.bucket, objectKey: this.key };
  }

  /** @internal */
  public _bucketNameBeforeBind(): string | undefined {
    return this.bucket.bucketName;
  }
}

/**
 * Who owns a GitHub repository.
 *
 * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
 */
export enum GitHubOwnerType {
  /** A GitHub user account. */
  USER = 'User',
  /** A GitHub organization. */
  ORGANIZATION = 'Organization',
}

/**
 * A CodeCommit repository that CodeStar creates for the project.
 */
export interface CodeCommitDestinationOptions {
  /**
   * The name of the CodeCommit repository to create.
   *
   * Up to 100 characters: letters, digits, `.`, `_` and `-` (the first character may be any
   * non-space).
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CodeCommitCodeDestination.html
   */
  readonly repositoryName: string;
}

/**
 * A GitHub repository that CodeStar creates for the project.
 */
export interface GitHubDestinationOptions {
  /**
   * The name of the GitHub repository to create.
   *
   * Up to 100 characters: letters, digits, `.`, `_` and `-` (the first character may be any
   * non-space).
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly repositoryName: string;

  /**
   * The GitHub user or organization that owns the repository.
   *
   * 1 to 100 characters, no leading or trailing whitespace.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly owner: string;

  /**
   * Whether `owner` is a user or an organization.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly ownerType: GitHubOwnerType;

  /**
   * The description of the repository.
   *
   * 1 to 1000 characters, no leading or trailing whitespace.
   *
   * @default - no description
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly description?: string;

  /**
   * Whether the repository is private.
   *
   * @default true - a seed repository stays private unless you ask otherwise (the API's own default
   * is public)
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly privateRepository?: boolean;

  /**
   * Whether GitHub issues are enabled for the repository.
   *
   * @default false
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly issuesEnabled?: boolean;

  /**
   * The Secrets Manager secret that holds the GitHub personal access token CodeStar uses to create
   * the repository.
   *
   * The token never enters the template: only the secret's ARN does, and the handler reads the
   * secret when it creates the project. The handler is granted read access to the secret (and
   * decryption with its key).
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_GitHubCodeDestination.html
   */
  readonly token: secretsmanager.ISecret;

  /**
   * The JSON field of the secret that holds the token, when the secret is a JSON object.
   *
   * @default - the whole secret string is the token
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
   */
  readonly tokenJsonField?: string;
}

/**
 * The repository that CodeStar creates for a project's source code: CodeCommit or GitHub.
 *
 * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CodeDestination.html
 */
export class CodeDestination {
  /**
   * A CodeCommit repository.
   */
  public static codeCommit(options: CodeCommitDestinationOptions): CodeDestination {
    return new CodeDestination(options, undefined);
  }

  /**
   * A GitHub repository.
   */
  public static gitHub(options: GitHubDestinationOptions): CodeDestination {
    return new CodeDestination(undefined, options);
  }

  /**
   * The CodeCommit repository, if this is a CodeCommit destination.
   */
  public readonly codeCommitOptions?: CodeCommitDestinationOptions;

  /**
   * The GitHub repository, if this is a GitHub destination.
   */
  public readonly gitHubOptions?: GitHubDestinationOptions;

  private constructor(codeCommit: CodeCommitDestinationOptions | undefined, gitHub: GitHubDestinationOptions | undefined) {
    this.codeCommitOptions = codeCommit;
    this.gitHubOptions = gitHub;
  }
}

/**
 * Seed code for a repository that CodeStar creates with the project.
 *
 * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_Code.html
 */
export interface SourceCode {
  /**
   * The code that CodeStar commits to the new repository.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CodeSource.html
   */
  readonly source: ProjectSource;

  /**
   * The repository that CodeStar creates.
   *
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_CodeDestination.html
   */
  readonly destination: CodeDestination;
}
