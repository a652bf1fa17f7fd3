/**
 * How the API model's patterns and lengths are read in JavaScript, for the constructs, the handler
 * and the local endpoint alike. It imports nothing from aws-cdk-lib: the handler bundles it.
 */

const compiled = new Map<string, RegExp>();

/**
 * Compiles a model (ECMA-262) pattern with the flags the model records for it (`patterns[*].js_u`
 * in constraints.json): `u` unless the pattern does not compile with it. No single set of flags
 * works for all: `TagKey`/`TagValue` need `u` for `\p{...}` (without it `\p` silently means a
 * literal `p`), while `Email`'s `[\w-.+]` and `ResourceId`'s `\:` are SyntaxErrors under `u`.
 */
export function compilePattern(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = new RegExp(pattern);
    }
    compiled.set(pattern, re);
  }
  return re;
}

/** Length as Smithy counts it for strings: Unicode code points, not UTF-16 units. */
export function codePointLength(value: string): number {
  return [...value].length;
}
