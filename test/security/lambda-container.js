'use strict';
/**
 * A Lambda container for the handler bundle, run by test/security/helpers.ts with child_process.fork:
 * one Node.js process that loads the bundle once, receives invocations over IPC and answers what the
 * Lambda runtime would (the handler's JSON result, or its error's name, message and stack). All it
 * prints goes to its own stdout and stderr, which the parent captures whole.
 *
 * A separate process rather than a module loaded into Jest: in Jest's sandbox, errors created by
 * Node itself (a refused connection) come from another realm and the SDK no longer recognises them.
 */
const bundle = require(process.env.CDK_CODESTAR_BUNDLE);

process.on('message', async ({ id, entry, event, remainingMs }) => {
  const end = Date.now() + remainingMs;
  const context = { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
  try {
    const result = await bundle[entry](event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    process.send({ id, error: { name: error.name, message: error.message, stack: error.stack } });
  }
});
process.send({ ready: true });
