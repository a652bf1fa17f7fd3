import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { ProjectSource } from './source';

/**
 * How CodeStar creates a project's toolchain stack.
 */
export interface ToolchainOptions {
  /**
   * The service role CodeStar uses to create the toolchain stack.
   *
   * The handler is granted `iam:PassRole` on it, only towards `codestar.amazonaws.com`.
   *
   * @default - CodeStar uses its service role
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_Toolchain.html
   */
  readonly role?: iam.IRole;

  /**
   * Parameters of the toolchain template.
   *
   * At most 25 entries; keys 1 to 30 characters, values 1 to 100 characters, neither with leading
   * or trailing whitespace. Values are part of the template: keep secrets out of them. Validation
   * errors report a value's length, never the value.
   *
   * @default - no parameters
   * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_Toolchain.html
   */
  readonly stackParameters?: { [key: string]: string };
}

/**
 * Options for a toolchain template from a local file.
 */
export interface ToolchainAssetOptions extends ToolchainOptions, s3_assets.AssetOptions {}

/**
 * The CloudFormation template (and its role and parameters) that CodeStar uses to create a
 * project's toolchain: its pipeline, build and deployment resources.
 *
 * CodeStar uses the toolchain only when it creates the project; changing it on a live project fails
 * the update (give the project a new `projectId` to replace it).
 *
 * @see https://docs.aws.amazon.com/codestar/latest/APIReference/API_Toolchain.html
 */
export class Toolchain {
  /**
   * A template from a local file, uploaded as a CDK asset.
   *
   * @param path the path of the template file
   * @param options the role, the stack parameters and asset options
   */
  public static fromAsset(path: string, options: ToolchainAssetOptions = {}): Toolchain {
    const { role, stackParameters, ...assetOptions } = options;
    return new Toolchain(ProjectSource.fromAsset(path, assetOptions), { role, stackParameters });
  }

  /**
   * A template that already exists in an S3 bucket.
   *
   * @param bucket the bucket
   * @param key the object key of the template
   * @param options the role and the stack parameters
   */
  public static fromBucket(bucket: s3.IBucket, key: string, options: ToolchainOptions = {}): Toolchain {
    return new Toolchain(ProjectSource.fromBucket(bucket, key), options);
  }

  /**
   * The template.
   */
  public readonly template: ProjectSource;

  /**
   * The service role CodeStar uses to create the toolchain stack.
   */
  public readonly role?: iam.IRole;

  /**
   * Parameters of the toolchain template.
   */
  public readonly stackParameters?: { [key: string]: string };

  private constructor(template: ProjectSource, options: ToolchainOptions) {
    this.template = template;
    this.role = options.role;
    this.stackParameters = options.stackParameters;
  }
}
