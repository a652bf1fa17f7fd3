import { subVariables } from './template';

/**
 * Resolution of CloudFormation intrinsic functions against a deployment's current values.
 * Supported: Ref (resources, parameters, pseudo parameters), Fn::GetAtt, Fn::Join, Fn::Sub (both
 * forms), Fn::Select, Fn::Split, Fn::If, Fn::Equals/And/Or/Not, Condition, Fn::ImportValue,
 * Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::Length, Fn::ToJsonString. `AWS::NoValue` removes the
 * property or list element that holds it.
 */

/** The value of `{ "Ref": "AWS::NoValue" }`. */
export const NO_VALUE = Symbol('AWS::NoValue');

export class ResolveError extends Error {}

export interface IntrinsicContext {
  /** Pseudo parameters by name (`AWS::Region`, ...), except AWS::NoValue. */
  readonly pseudo: Readonly<Record<string, unknown>>;
  /** A template parameter's value, or undefined when `name` is not a parameter. */
  parameter(name: string): unknown;
  /** Ref of a resource. */
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  condition(name: string): boolean;
  importValue(exportName: string): unknown;
  findInMap(mapName: string, topKey: string, secondKey: string): unknown;
}

export function resolveValue(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value)) {
    return value.map(v => resolveValue(v, ctx)).filter(v => v !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    return resolveIntrinsic(keys[0], obj[keys[0]], ctx);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = resolveValue(obj[key], ctx);
    if (v !== NO_VALUE) {
      out[key] = v;
    }
  }
  return out;
}

function resolveIntrinsic(fn: string, arg: unknown, ctx: IntrinsicContext): unknown {
  switch (fn) {
    case 'Ref':
      return ref(expectString(fn, resolveValue(arg, ctx)), ctx);
    case 'Fn::GetAtt': {
      if (typeof arg === 'string' && !arg.includes('.')) {
        throw new ResolveError(`Fn::GetAtt expects "LogicalId.Attribute", got ${arg}`);
      }
      const [id, attribute] = typeof arg === 'string'
        ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)]
        : expectArray(fn, arg, 2);
      return ctx.getAtt(expectString(fn, id), expectString(fn, resolveValue(attribute, ctx)));
    }
    case 'Fn::Join': {
      const [delimiter, list] = expectArray(fn, arg, 2);
      const items = expectArray(fn, resolveValue(list, ctx));
      return items.map(i => scalarText(fn, i)).join(expectString(fn, delimiter));
    }
    case 'Fn::Sub':
      return sub(arg, ctx);
    case 'Fn::Select': {
      const [index, list] = expectArray(fn, arg, 2);
      const i = Number(resolveValue(index, ctx));
      const items = expectArray(fn, resolveValue(list, ctx));
      if (!Number.isInteger(i) || i < 0 || i >= items.length) {
        throw new ResolveError(`Fn::Select: index ${String(index)} out of bounds of a list of ${items.length}`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(fn, arg, 2);
      return expectString(fn, resolveValue(source, ctx)).split(expectString(fn, delimiter));
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArray(fn, arg, 3);
      return resolveValue(ctx.condition(expectString(fn, condition)) ? whenTrue : whenFalse, ctx);
    }
    case 'Fn::Equals':
    case 'Fn::And':
    case 'Fn::Or':
    case 'Fn::Not':
      return evaluateCondition({ [fn]: arg }, ctx);
    case 'Fn::ImportValue':
      return ctx.importValue(expectString(fn, resolveValue(arg, ctx)));
    case 'Fn::FindInMap': {
      const [map, top, second] = expectArray(fn, resolveValue(arg, ctx), 3);
      return ctx.findInMap(expectString(fn, map), expectString(fn, top), expectString(fn, second));
    }
    case 'Fn::Base64':
      return Buffer.from(expectString(fn, resolveValue(arg, ctx)), 'utf-8').toString('base64');
    case 'Fn::GetAZs': {
      const region = expectString(fn, resolveValue(arg, ctx)) || String(ctx.pseudo['AWS::Region']);
      return ['a', 'b', 'c'].map(z => `${region}${z}`);
    }
    case 'Fn::Length':
      return expectArray(fn, resolveValue(arg, ctx)).length;
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveValue(arg, ctx));
    default:
      throw new ResolveError(`${fn} is not supported by the local runner`);
  }
}

/** Evaluates a Conditions-section expression (Fn::Equals/And/Or/Not, `{ Condition: name }`). */
export function evaluateCondition(expression: unknown, ctx: IntrinsicContext): boolean {
  if (typeof expression !== 'object' || expression === null || Array.isArray(expression)) {
    throw new ResolveError(`invalid condition ${JSON.stringify(expression)}`);
  }
  const [[fn, arg]] = Object.entries(expression as Record<string, unknown>);
  switch (fn) {
    case 'Condition':
      return ctx.condition(expectString(fn, arg));
    case 'Fn::Equals': {
      const [a, b] = expectArray(fn, arg, 2).map(v => resolveValue(v, ctx));
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'Fn::And':
      return expectArray(fn, arg).every(c => evaluateCondition(c, ctx));
    case 'Fn::Or':
      return expectArray(fn, arg).some(c => evaluateCondition(c, ctx));
    case 'Fn::Not':
      return !evaluateCondition(expectArray(fn, arg, 1)[0], ctx);
    default: {
      const v = resolveValue(expression, ctx);
      if (typeof v !== 'boolean') {
        throw new ResolveError(`condition ${JSON.stringify(expression)} is not a boolean`);
      }
      return v;
    }
  }
}

function ref(name: string, ctx: IntrinsicContext): unknown {
  if (name === 'AWS::NoValue') {
    return NO_VALUE;
  }
  if (name in ctx.pseudo) {
    return ctx.pseudo[name];
  }
  const parameter = ctx.parameter(name);
  return parameter !== undefined ? parameter : ctx.ref(name);
}

function sub(arg: unknown, ctx: IntrinsicContext): string {
  const [template, vars] = Array.isArray(arg)
    ? [arg[0], resolveValue(arg[1] ?? {}, ctx) as Record<string, unknown>]
    : [arg, {} as Record<string, unknown>];
  const text = expectString('Fn::Sub', template);
  const values = new Map<string, string>();
  for (const name of subVariables(text)) {
    let v: unknown;
    if (name in vars) {
      v = vars[name];
    } else if (name.includes('.') && !name.startsWith('AWS::')) {
      const dot = name.indexOf('.');
      v = ctx.getAtt(name.slice(0, dot), name.slice(dot + 1));
    } else {
      v = ref(name, ctx);
    }
    values.set(name, scalarText('Fn::Sub', v));
  }
  return text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const name = inner.trim();
    return name.startsWith('!') ? `\${${name.slice(1)}}` : values.get(name) ?? whole;
  });
}

function expectArray(fn: string, v: unknown, length?: number): unknown[] {
  if (!Array.isArray(v) || (length !== undefined && v.length < length)) {
    throw new ResolveError(`${fn} expects a list${length ? ` of ${length}` : ''}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function expectString(fn: string, v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  if (typeof v !== 'string') {
    throw new ResolveError(`${fn} expects a string, got ${JSON.stringify(v)}`);
  }
  return v;
}

function scalarText(fn: string, v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  throw new ResolveError(`${fn} expects scalar values, got ${JSON.stringify(v)}`);
}
