import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The oldest Node.js major the handler is built and tested for (esbuild's target). */
const OLDEST_NODE_MAJOR = 22;

/**
 * The newest Node.js runtime the installed aws-cdk-lib knows (its `Runtime.NODEJS_<n>_X`
 * constants), and never one older than Node.js 22. Read from aws-cdk-lib at synthesis, so a newer
 * aws-cdk-lib brings a newer runtime without a release of this library.
 */
export function newestNodeRuntime(): lambda.Runtime {
  let newest: { major: number; runtime: lambda.Runtime } | undefined;
  for (const [name, value] of Object.entries(lambda.Runtime)) {
    const major = /^NODEJS_(\d+)_X$/.exec(name)?.[1];
    if (major !== undefined && value instanceof lambda.Runtime && value.family === lambda.RuntimeFamily.NODEJS
      && (newest === undefined || Number(major) > newest.major)) {
      newest = { major: Number(major), runtime: value };
    }
  }
  return newest !== undefined && newest.major >= OLDEST_NODE_MAJOR ? newest.runtime : lambda.Runtime.NODEJS_22_X;
}
