import { MemberSpec, MembersSpec } from './model';
import { codePointLength, compilePattern } from '../private/patterns';

/**
 * Generic walks over the model's member specs: input validation (every trait the model carries),
 * output shaping (only modelled members, timestamps as epoch seconds) and redaction of sensitive
 * members. Nothing here knows about a particular operation.
 */

/** One failed constraint, phrased the way AWS (Coral) phrases validation errors. */
export interface Violation {
  /** Member path: `id`, `toolchain.source.s3.bucketName`, `sourceCode.1.member.source` (lists are 1-based). */
  readonly path: string;
  /** The rule, e.g. `Member must have length less than or equal to 15`. */
  readonly rule: string;
  /** The offending value as shown in the message; `undefined` for sensitive members. */
  readonly shown?: string;
}

const MAX_SHOWN = 100;

/** Validates a structure's members; an empty list means valid. */
export function validateMembers(value: unknown, members: MembersSpec, path = ''): Violation[] {
  const out: Violation[] = [];
  const record = (isPlainObject(value) ? value : {}) as Record<string, unknown>;
  for (const [name, spec] of Object.entries(members)) {
    validateValue(record[name], spec, join(path, name), out);
  }
  return out;
}

function validateValue(value: unknown, spec: MemberSpec, path: string, out: Violation[]): void {
  if (value === undefined || value === null) {
    if (spec.required) {
      out.push({ path, rule: 'Member must not be null', shown: 'null' });
    }
    return;
  }
  const shown = spec.sensitive ? undefined : show(value);
  if (!hasType(value, spec.type)) {
    out.push({ path, rule: `Member must be of type ${spec.type}`, shown });
    return;
  }
  switch (spec.type) {
    case 'string':
      checkBounds(codePointLength(value as string), spec.length, 'length', path, shown, out);
      if (spec.pattern !== undefined && !compilePattern(spec.pattern).test(value as string)) {
        out.push({ path, rule: `Member must satisfy regular expression pattern: ${spec.pattern}`, shown });
      }
      return;
    case 'integer':
    case 'long':
      checkBounds(value as number, spec.range, 'value', path, shown, out);
      return;
    case 'structure':
      out.push(...validateMembers(value, spec.members ?? {}, path));
      return;
    case 'list':
      (value as unknown[]).forEach((item, i) => {
        if (spec.member) {
          validateValue(item, { ...spec.member, required: true }, `${path}.${i + 1}.member`, out);
        }
      });
      return;
    case 'map':
      validateMap(value as Record<string, unknown>, spec, path, out);
      return;
    default:
      return;
  }
}

function validateMap(map: Record<string, unknown>, spec: MemberSpec, path: string, out: Violation[]): void {
  const entries = Object.entries(map);
  checkBounds(entries.length, spec.length, 'length', path, undefined, out);
  for (const [key, value] of entries) {
    if (spec.key) {
      const rules = rulesOf(key, spec.key);
      if (rules.length > 0) {
        out.push({ path, rule: `Map keys must satisfy constraint: [${rules.join(', ')}]`, shown: spec.key.sensitive ? undefined : show(key) });
      }
    }
    if (spec.value) {
      const rules = rulesOf(value, { ...spec.value, required: true });
      if (rules.length > 0) {
        out.push({ path, rule: `Map value must satisfy constraint: [${rules.join(', ')}]`, shown: spec.value.sensitive ? undefined : show(value) });
      }
    }
  }
}

/** The rules a single (scalar or nested) value breaks, without paths. */
function rulesOf(value: unknown, spec: MemberSpec): string[] {
  const found: Violation[] = [];
  validateValue(value, spec, '', found);
  return found.map(v => (v.path ? `${v.path}: ${v.rule}` : v.rule));
}

function checkBounds(n: number, bounds: MemberSpec['length'], what: 'length' | 'value', path: string, shown: string | undefined, out: Violation[]) {
  if (bounds?.min !== undefined && n < bounds.min) {
    out.push({ path, rule: `Member must have ${what} greater than or equal to ${bounds.min}`, shown });
  }
  if (bounds?.max !== undefined && n > bounds.max) {
    out.push({ path, rule: `Member must have ${what} less than or equal to ${bounds.max}`, shown });
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'integer':
    case 'long': return typeof value === 'number' && Number.isInteger(value);
    case 'timestamp': return typeof value === 'number' && Number.isFinite(value);
    case 'list': return Array.isArray(value);
    case 'structure':
    case 'map': return isPlainObject(value);
    default: return true;
  }
}

/** `1 validation error detected: Value 'x' at 'id' failed to satisfy constraint: ...; ...` */
export function formatViolations(violations: readonly Violation[]): string {
  const n = violations.length;
  const parts = violations.map(v => {
    const value = v.shown === undefined ? 'Value' : v.shown === 'null' ? 'Value null' : `Value '${v.shown}'`;
    return `${value} at '${v.path}' failed to satisfy constraint: ${v.rule}`;
  });
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}

/**
 * Shapes a value for the wire: only modelled members, `Date` as epoch seconds (awsJson1_1's default
 * timestamp format), `undefined` dropped.
 */
export function shapeOutput(value: Record<string, unknown>, members: MembersSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(members)) {
    const shaped = shapeValue(value[name], spec);
    if (shaped !== undefined) {
      out[name] = shaped;
    }
  }
  return out;
}

function shapeValue(value: unknown, spec: MemberSpec): unknown {
  if (value === undefined || value === null) {
    return undefined;
  }
  switch (spec.type) {
    case 'timestamp':
      return value instanceof Date ? value.getTime() / 1000 : value;
    case 'structure':
      return isPlainObject(value) ? shapeOutput(value as Record<string, unknown>, spec.members ?? {}) : value;
    case 'list':
      return Array.isArray(value) && spec.member ? value.map(v => shapeValue(v, spec.member!)) : value;
    case 'map':
      return isPlainObject(value) && spec.value
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shapeValue(v, spec.value!)]))
        : value;
    default:
      return value;
  }
}

/** Replaces every sensitive member's value with `***` (for logs). Unmodelled members pass through. */
export function redactSensitive(value: unknown, members: MembersSpec): unknown {
  if (!isPlainObject(value)) {
    return value;
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    const spec = members[k];
    return [k, spec ? redactValue(v, spec) : v];
  }));
}

function redactValue(value: unknown, spec: MemberSpec): unknown {
  if (value === undefined || value === null) {
    return value;
  }
  if (spec.sensitive) {
    return '***';
  }
  switch (spec.type) {
    case 'structure':
      return redactSensitive(value, spec.members ?? {});
    case 'list':
      return Array.isArray(value) && spec.member ? value.map(v => redactValue(v, spec.member!)) : value;
    case 'map':
      return isPlainObject(value) && spec.value
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactValue(v, spec.value!)]))
        : value;
    default:
      return value;
  }
}

/** Every non-empty string held by a sensitive member (so it can be scrubbed from printed text). */
export function collectSensitiveStrings(value: unknown, members: MembersSpec): string[] {
  const found: string[] = [];
  const visit = (v: unknown, spec: MemberSpec): void => {
    if (v === undefined || v === null) {
      return;
    }
    if (spec.sensitive) {
      found.push(...allStrings(v));
      return;
    }
    if (spec.type === 'structure' && isPlainObject(v)) {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        const childSpec = spec.members?.[k];
        if (childSpec) {
          visit(child, childSpec);
        }
      }
    } else if (spec.type === 'list' && Array.isArray(v) && spec.member) {
      v.forEach(item => visit(item, spec.member!));
    } else if (spec.type === 'map' && isPlainObject(v)) {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        if (spec.key) {
          visit(k, spec.key);
        }
        if (spec.value) {
          visit(child, spec.value);
        }
      }
    }
  };
  visit(value, { shape: '', type: 'structure', members });
  return found.filter(s => s.length > 0);
}

function allStrings(v: unknown): string[] {
  if (typeof v === 'string') {
    return [v];
  }
  if (Array.isArray(v)) {
    return v.flatMap(allStrings);
  }
  if (isPlainObject(v)) {
    return Object.values(v as Record<string, unknown>).flatMap(allStrings);
  }
  return [];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}
