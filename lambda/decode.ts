import { HandlerError } from './errors';

/**
 * Typed decoders for custom-resource properties. CloudFormation delivers every scalar as a string
 * ('true' / 'false' for booleans) while objects and lists keep their structure; these turn that
 * into the contract's types and reject anything else. Messages name the property path, never the
 * value: values may be secrets or personal data.
 */

export class PropertyError extends HandlerError {}

export type Decoder<T> = (value: unknown, path: string) => T;

const OPTIONAL: unique symbol = Symbol('optional');

/** A member that may be absent (`undefined` or JSON `null`). */
export interface OptionalField<T> {
  readonly [OPTIONAL]: Decoder<T>;
}

type Field = Decoder<unknown> | OptionalField<unknown>;
type Shape = Readonly<Record<string, Field>>;
type FieldType<F> = F extends OptionalField<infer T> ? T : F extends Decoder<infer T> ? T : never;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalField<unknown> ? K : never }[keyof S];
export type Decoded<S extends Shape> =
  { [K in RequiredKeys<S>]: FieldType<S[K]> } & { [K in OptionalKeys<S>]?: FieldType<S[K]> };

function fail(path: string, problem: string): never {
  throw new PropertyError(`${path} ${problem}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const string: Decoder<string> = (value, path) =>
  typeof value === 'string' ? value : fail(path, 'must be a string');

export const boolean: Decoder<boolean> = (value, path) => {
  if (typeof value === 'boolean') {
    return value;
  }
  if (value === 'true' || value === 'false') {
    return value === 'true';
  }
  return fail(path, "must be a boolean ('true' or 'false')");
};

/** A whole number of at least 1, as CloudFormation delivers it (a string of digits) or as a number. */
export const positiveInteger: Decoder<number> = (value, path) => {
  const n = typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : fail(path, 'must be a whole number of at least 1');
};

/** A map of strings (tags, stack parameters): any key, string values. */
export const stringMap: Decoder<Record<string, string>> = (value, path) => {
  if (!isPlainObject(value)) {
    return fail(path, 'must be a map of strings');
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, string(item, `${path}.${key}`)]));
};

export function optional<T>(decoder: Decoder<T>): OptionalField<T> {
  return { [OPTIONAL]: decoder };
}

export function array<T>(item: Decoder<T>): Decoder<T[]> {
  return (value, path) => (Array.isArray(value) ? value.map((element, i) => item(element, `${path}[${i}]`)) : fail(path, 'must be a list'));
}

/** An object with exactly these members: unknown members are rejected, not silently dropped. */
export function object<S extends Shape>(shape: S): Decoder<Decoded<S>> {
  return (value, path) => {
    if (!isPlainObject(value)) {
      return fail(path, 'must be an object');
    }
    // Own members only: `constructor` or `__proto__` must not pass as members of every shape.
    const unknown = Object.keys(value).find(key => !Object.hasOwn(shape, key));
    if (unknown !== undefined) {
      fail(join(path, unknown), 'is not a known property');
    }
    const result: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      const memberPath = join(path, key);
      const member = value[key];
      if (typeof field === 'function') {
        result[key] = member === undefined || member === null ? fail(memberPath, 'is required') : field(member, memberPath);
      } else if (member !== undefined && member !== null) {
        result[key] = field[OPTIONAL](member, memberPath);
      }
    }
    return result as Decoded<S>;
  };
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
