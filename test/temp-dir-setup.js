// Jest's globalSetup and globalTeardown (.projenrc.ts): the whole test run, workers and the
// processes they start, makes its temporary files under one directory of its own (TMPDIR, which
// os.tmpdir() reads), removed when the run ends: aws-cdk-lib's `new App()` without an outdir, the
// runner, the Lambda containers and the tests' own folders leave nothing in the system's temp dir.
const fs = require('fs');
const os = require('os');
const path = require('path');

const KEY = 'CDK_CODESTAR_TEST_TMPDIR';

module.exports.setup = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-codestar-test-'));
  process.env[KEY] = dir;
  process.env.TMPDIR = dir;
};

module.exports.teardown = async () => {
  const dir = process.env[KEY];
  if (dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
