/** The creation tokens (src/private/tokens.ts, shared with the command line's plan). */
export * from '../src/private/tokens';
/** Part of the derivation: project.ts hashes the creation inputs through it. */
export { canonicalJson } from '../src/private/canonical-json';
