import { awscdk, javascript, JsonFile } from 'projen';

/**
 * CodeStar's SDK client was removed from the AWS SDKs in 2024 and is frozen at this version. The
 * Lambda runtime does not carry it, so the handler bundles it (and the one other client it needs,
 * at the same release so that the shared Smithy packages are bundled once).
 */
const FROZEN_SDK_VERSION = '3.523.0';

/** The handler bundle: git-ignored, rebuilt before tests and compile, shipped in the npm package. */
const HANDLER_OUT = 'assets/handler/index.js';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-codestar',
  description: 'AWS CDK constructs for AWS CodeStar projects, team members and user profiles, as idempotent custom resources.',
  author: 'cdk-codestar developers',
  authorAddress: 'dev@cdk-codestar.invalid',
  repositoryUrl: 'https://example.invalid/cdk-codestar.git',
  keywords: ['aws-cdk', 'codestar', 'custom-resource'],
  license: 'Apache-2.0',
  stability: 'experimental',

  // The lowest aws-cdk-lib with `CustomResourceProps.serviceTimeout` (2.174.0); projen tests against
  // exactly this floor, so users on older CDK versions know what they get.
  cdkVersion: '2.174.0',
  constructsVersion: '10.0.5',
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  projenrcTs: true,

  // No GitHub machinery and no release process in this repository.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  buildWorkflow: false,
  // jsii-pacmak cannot reach PyPI, Maven or NuGet from these machines: no publishTo* targets.

  devDeps: [
    `@aws-sdk/client-codestar@${FROZEN_SDK_VERSION}`,
    `@aws-sdk/client-secrets-manager@${FROZEN_SDK_VERSION}`,
    // The handler continues a long wait for a project in a new invocation of itself: bundled with it.
    `@aws-sdk/client-lambda@${FROZEN_SDK_VERSION}`,
    // The command line's `--cloudformation` reads a deployed stack: bundled with it, at the same release.
    `@aws-sdk/client-cloudformation@${FROZEN_SDK_VERSION}`,
    '@types/aws-lambda@^8',
    'aws-sdk-client-mock@^4',
    'aws-sdk-client-mock-jest@^4',
    'aws-cdk@^2',
    'esbuild@^0.25',
    // Compliance, property-based and integration testing (see test/security, test/e2e, test/integ).
    'cdk-nag@2.36.50',
    '@aws/cloudformation-validate@1.9.0-beta',
    'fast-check@^4',
    '@aws-cdk/integ-tests-alpha@2.173.2-alpha.0',
    '@aws-cdk/integ-runner@^2',
  ],

  jestOptions: {
    passWithNoTests: false,
    // A changed template must fail its snapshot test, never silently rewrite it.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // `.ci/run` computes its `N passed, N failed` line from this file.
    extraCliOptions: ['--json', '--outputFile=test-reports/jest-results.json'],
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
      // The handler bundle is generated and minified: its sources (lambda/) are what coverage is about.
      coveragePathIgnorePatterns: ['/node_modules/', '/test/', '/assets/'],
      // One temporary directory for the whole run, removed at its end (test/temp-dir-setup.js).
      globalSetup: '<rootDir>/test/global-setup.js',
      globalTeardown: '<rootDir>/test/global-teardown.js',
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', 'examples', 'benchmarks', 'projenrc', '.projenrc.ts'],
  },
  tsconfigDev: {
    include: ['../lambda/**/*.ts'],
    compilerOptions: {},
  },

  gitignore: ['/assets/', 'cdk.out/', '.cdk.staging/'],
});

for (const p of ['/lambda/', '/examples/', '/scripts/', '/.ci/', 'cdk.out/', '/benchmarks/']) {
  project.addPackageIgnore(p);
}
project.addPackageIgnore('!/assets/');

// The command line (`npx cdk-codestar local|deploy|destroy`), and the local CodeStar endpoint on its
// own (`npx cdk-codestar-local --port 4567`).
project.addBins({ 'cdk-codestar': 'lib/cli/main.js', 'cdk-codestar-local': 'lib/local/cli.js' });

// The handler: its own strict tsconfig (Node 22 runtime, no DOM), type-checked and bundled.
new JsonFile(project, 'lambda/tsconfig.json', {
  obj: {
    compilerOptions: {
      target: 'ES2022',
      module: 'commonjs',
      lib: ['ES2022'],
      types: ['node'],
      strict: true,
      noEmit: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      esModuleInterop: true,
      skipLibCheck: true,
    },
    include: ['**/*.ts', '../src/private/contract.ts'],
  },
});

// The example app and the demo that deploys it: type-checked and linted like the tests.
new JsonFile(project, 'examples/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts'],
  },
});

const typecheckHandler = project.addTask('typecheck:handler', {
  description: 'Type-check the Lambda handler against its own tsconfig',
  exec: 'tsc -p lambda/tsconfig.json',
});
const bundleHandler = project.addTask('bundle:handler', {
  description: 'Bundle the Lambda handler with the frozen CodeStar SDK (nothing external)',
  exec: [
    'esbuild lambda/index.ts --bundle --platform=node --target=node22 --format=cjs --minify',
    // The SDK's ES module builds (dist-es) tree-shake per command; its CommonJS builds are one file
    // per client. 416 kB -> 268 kB minified (`npm run bench` measures both).
    '--main-fields=module,main',
    // The metafile stays out of the asset directory, which is zipped into the Lambda function.
    '--legal-comments=none --metafile=assets/handler.meta.json',
    `--outfile=${HANDLER_OUT}`,
  ].join(' '),
});
bundleHandler.prependSpawn(typecheckHandler);

/**
 * The frozen CodeStar client for the command line (`plan`, `import`, `drift` read the account with
 * it), and CloudFormation's (`--cloudformation` reads a deployed stack): one file each, so that
 * the package needs no runtime dependency that jsii would have to bundle, and the constructs'
 * import path never loads them. Their credential and region chains are the SDK's own.
 */
const bundleCliSdk = project.addTask('bundle:cli-sdk', {
  description: 'Bundle the frozen CodeStar and CloudFormation SDK clients for the command line',
});
for (const client of ['codestar', 'cloudformation']) {
  bundleCliSdk.exec(`esbuild node_modules/@aws-sdk/client-${client}/dist-cjs/index.js --bundle --platform=node --target=node20 --format=cjs `
    + `--minify --legal-comments=none --outfile=assets/${client}-sdk/index.js`);
}

// Construct tests synthesize the handler asset, so it must exist before tests and before jsii.
project.preCompileTask.spawn(bundleHandler);
project.preCompileTask.spawn(bundleCliSdk);
project.testTask.prependSpawn(bundleCliSdk);
project.testTask.prependSpawn(bundleHandler);

// The README's main job.
project.addTask('demo', {
  description: 'Synthesize the example app with the real cdk CLI and show what it would deploy',
  exec: 'ts-node --project examples/tsconfig.json examples/demo.ts',
  receiveArgs: true,
});
// Benchmarks (benchmarks/): scripts with recorded results (BENCHMARKS.md), never timed assertions.
new JsonFile(project, 'benchmarks/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts'],
  },
});
project.addTask('bench', {
  description: 'Measure synthesis, the handler bundle, API calls per operation and throughput; writes BENCHMARKS.md',
  exec: 'ts-node --project benchmarks/tsconfig.json benchmarks/run.ts',
  receiveArgs: true,
});

project.addTask('examples:synth', {
  description: 'Synthesize the example app with the real cdk CLI',
  exec: 'cdk synth --quiet --app "ts-node --project examples/tsconfig.json examples/app.ts" --output cdk.out',
});

// CI's second aws-cdk-lib: the construct, cdk-nag and template validation tests and the packed-library
// check on the newest 2.x the registry serves (resolved when it runs), in a copy of the tree, so that
// this tree's node_modules and lock file stay on the floor. `.ci/run` runs it after the build.
project.addTask('test:newest-cdk', {
  description: 'Run the construct, cdk-nag and template validation tests and the packed-library check on the newest 2.x aws-cdk-lib (after a build)',
  exec: 'bash scripts/newest-cdk.sh',
});

// CI's build after the tests it has already run (`npx projen test`): the build's steps without its
// test step, so the suite runs once.
const buildWithoutTests = project.addTask('build:without-tests', {
  description: 'The build, less its test step: for CI, which runs the tests first',
});
for (const task of [project.defaultTask!, project.preCompileTask, project.compileTask, project.postCompileTask, project.packageTask]) {
  buildWithoutTests.spawn(task);
}

project.synth();
