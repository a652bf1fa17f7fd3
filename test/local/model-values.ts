import { MemberSpec, MembersSpec } from '../../src/local/model';
import { codePointLength, compilePattern } from '../../src/private/patterns';

/**
 * Values generated from the API model's member specs: valid values, values of an exact length
 * that still match the pattern, and values that break exactly one rule. Only the starting
 * vocabulary below is hand-written; which values are valid is always decided by the model.
 */

const VOCABULARY = [
  'ab', 'abc', 'a', 'demo-project', 'Name', 'a@b.c', 'x',
  'arn:aws:iam::123456789012:user/alice',
  'arn:aws:codestar:us-east-1:123456789012:project/abc',
  'value', '',
];
const FILLERS = ['a', 'b', '1', '_', 'x', ' a'];
const BREAKERS = ['A', ' ', '!', '#', '-', '\u0100', '\u0000', '*', '\u{1F600}'];

export function fits(spec: MemberSpec, value: string): boolean {
  return fitsLength(spec, value) && fitsPattern(spec, value);
}

function fitsLength(spec: MemberSpec, value: string): boolean {
  const n = codePointLength(value);
  return (spec.length?.min === undefined || n >= spec.length.min) && (spec.length?.max === undefined || n <= spec.length.max);
}

function fitsPattern(spec: MemberSpec, value: string): boolean {
  return spec.pattern === undefined || compilePattern(spec.pattern).test(value);
}

/** `^(A|B|C)$` -> A, B, C: enumerations live in patterns in this model. */
function alternatives(pattern: string | undefined): string[] {
  const m = pattern ? /^\^\(([\w|]+)\)\$$/.exec(pattern) : null;
  return m ? m[1].split('|') : [];
}

export function validString(spec: MemberSpec): string {
  const candidates = [...alternatives(spec.pattern), ...VOCABULARY];
  const direct = candidates.find(c => fits(spec, c));
  if (direct !== undefined) {
    return direct;
  }
  for (const c of candidates.filter(v => fitsPattern(spec, v))) {
    const sized = ofLength(spec, c, Math.max(spec.length?.min ?? 1, 1), v => fits(spec, v));
    if (sized !== undefined) {
      return sized;
    }
  }
  throw new Error(`cannot generate a valid ${spec.shape}`);
}

/**
 * A string of exactly `length` code points derived from `base` (padding with filler characters,
 * or trimming) that satisfies `accept`.
 */
export function ofLength(
  spec: MemberSpec, base: string, length: number, accept: (v: string) => boolean = v => fitsPattern(spec, v),
): string | undefined {
  const chars = [...base];
  if (chars.length > length) {
    for (const trimmed of [chars.slice(0, length), [...chars.slice(0, 1), ...chars.slice(chars.length - length + 1)]]) {
      const v = trimmed.join('');
      if (length > 0 && codePointLength(v) === length && accept(v)) {
        return v;
      }
    }
    return length === 0 && accept('') ? '' : undefined;
  }
  const missing = length - chars.length;
  for (const filler of FILLERS) {
    const fillerChars = [...filler];
    const pad = Array.from({ length: missing }, (_, i) => fillerChars[i % fillerChars.length]);
    for (const at of new Set([chars.length, chars.length - 1, 1, 0].filter(p => p >= 0 && p <= chars.length))) {
      const v = [...chars.slice(0, at), ...pad, ...chars.slice(at)].join('');
      if (accept(v)) {
        return v;
      }
    }
  }
  return undefined;
}

/** A value of valid length that breaks the pattern, if one can be made. */
export function breakingPattern(spec: MemberSpec): string | undefined {
  const base = [...validString(spec)];
  for (const b of BREAKERS) {
    const variants = [
      [b, ...base.slice(1)], [...base.slice(0, -1), b], [...base, b], [b, ...base],
    ].map(v => v.join(''));
    const found = variants.find(v => fitsLength(spec, v) && !fitsPattern(spec, v));
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

/** A valid value of any member; structures get their required members only. */
export function validValue(spec: MemberSpec): unknown {
  switch (spec.type) {
    case 'string': return validString(spec);
    case 'boolean': return false;
    case 'integer':
    case 'long': return spec.range?.min ?? 1;
    case 'structure': return requiredOnly(spec.members ?? {});
    case 'list': return [validValue(spec.member!)];
    case 'map': return { [validString(spec.key!)]: validValue(spec.value!) };
    default: throw new Error(`no generator for ${spec.type}`);
  }
}

export function requiredOnly(members: MembersSpec): Record<string, unknown> {
  return Object.fromEntries(Object.entries(members).filter(([, s]) => s.required).map(([name, s]) => [name, validValue(s)]));
}

/** `count` distinct valid map keys. */
export function distinctKeys(spec: MemberSpec, count: number): string[] {
  const base = validString(spec);
  const keys: string[] = [];
  for (let i = 0; keys.length < count && i < count * 10; i++) {
    const k = `${base}${i}`;
    if (fits(spec, k) && !keys.includes(k)) {
      keys.push(k);
    }
  }
  if (keys.length < count) {
    throw new Error(`cannot generate ${count} distinct ${spec.shape} keys`);
  }
  return keys;
}
