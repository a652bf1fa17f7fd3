#!/usr/bin/env node
// Prints the plain `N passed, N failed` line that CI reads, from jest's --json results file.
// Exits non-zero when the file is missing or jest ran no test, so a silent run can never pass.
'use strict';
const fs = require('fs');

const file = process.argv[2];
let results;
try {
  results = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  console.log('0 passed, 1 failed');
  console.error(`no jest results at ${file}: ${err.message}`);
  process.exit(1);
}

const passed = results.numPassedTests;
// Suites that failed to run (a syntax error, a missing module) hold no counted test: count each.
const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
process.exit(results.numTotalTests > 0 && failed === 0 ? 0 : 1);
