'use strict';
/**
 * The runtime of a Lambda container for the handler bundle, run by test/lambda-container.ts with child_process.fork:
 * one Node.js process that loads the bundle once, receives invocations over IPC and answers what the
 * Lambda runtime would (the handler's JSON result, or its error's name, message and stack). All it
 * prints goes to its own stdout and stderr, which the parent captures whole; each answer says how
 * many bytes had been printed by then, so the parent has every log line of an invocation before it
 * hands the answer on.
 *
 * A separate process rather than a module loaded into Jest: in Jest's sandbox, errors created by
 * Node itself (a refused connection, a reset socket) come from another realm and the SDK no longer
 * recognises them.
 */
const bundle = require(process.env.CDK_CODESTAR_BUNDLE);

let printed = 0;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    printed += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return write(chunk, ...rest);
  };
}

process.on('message', async ({ id, entry, event, context: fields, remainingMs }) => {
  const end = Date.now() + remainingMs;
  const context = { ...fields, getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
  let answer;
  try {
    const result = await bundle[entry](event, context);
    answer = { id, result: result === undefined ? null : result };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    answer = { id, error: { name: error.name, message: error.message, stack: error.stack } };
  }
  process.send({ ...answer, printed });
});
process.send({ ready: true });
