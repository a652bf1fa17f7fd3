#!/usr/bin/env node
// Prints the plain `N passed, N failed` line that CI reads, from jest's --json results files.
//
//   node scripts/test-summary.js RESULTS.json
//   node scripts/test-summary.js "LABEL=RESULTS.json" "LABEL=RESULTS.json" ...
//
// With several runs (CI runs the tests on two aws-cdk-lib versions), it first prints one labelled
// line per run ("aws-cdk-lib 2.174.0 (floor): passed 600, failed 0"), worded so that it never reads
// as the plain line, and then the plain line, the sum of all runs, last.
// Exits non-zero when a file is missing, a run ran no test or any test failed, so a silent run can
// never pass.
'use strict';
const fs = require('fs');

const runs = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  return at > 0 ? { label: arg.slice(0, at), file: arg.slice(at + 1) } : { label: arg, file: arg };
});
if (runs.length === 0) {
  console.log('0 passed, 1 failed');
  console.error('usage: test-summary.js [LABEL=]RESULTS.json ...');
  process.exit(1);
}

let ok = true;
const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const { label, file } of runs) {
  let results;
  try {
    results = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    // A run that left no results (its install failed, jest crashed) counts as one failure.
    console.error(`${label}: no jest results at ${file}: ${err.message}`);
    results = { numPassedTests: 0, numFailedTests: 1, numRuntimeErrorTestSuites: 0, numPendingTests: 0, numTodoTests: 0, numTotalTests: 0 };
  }
  const passed = results.numPassedTests;
  // Suites that failed to run (a syntax error, a missing module) hold no counted test: count each.
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const skipped = results.numPendingTests + results.numTodoTests;
  ok = ok && results.numTotalTests > 0 && failed === 0;
  total.passed += passed;
  total.failed += failed;
  total.skipped += skipped;
  lines.push(`${label}: passed ${passed}, failed ${failed}` + (skipped > 0 ? `, skipped ${skipped}` : ''));
}
if (runs.length > 1) {
  lines.forEach((line) => console.log(line));
}
console.log(`${total.passed} passed, ${total.failed} failed` + (total.skipped > 0 ? `, ${total.skipped} skipped` : ''));
process.exit(ok ? 0 : 1);
