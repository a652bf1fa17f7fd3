import * as fs from 'fs';
import * as path from 'path';
import { MAP_SHAPES, STRING_SHAPES, STRUCTURE_SHAPES } from '../src/private/model';
import { compilePattern } from '../src/private/patterns';

/** The verbatim API model committed with the library. */
const constraints = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'model', 'constraints.json'), 'utf-8'));

describe('src/private/model.ts is a verbatim copy of model/constraints.json', () => {
  test.each(Object.keys(STRING_SHAPES))('string shape %s', (name) => {
    expect(STRING_SHAPES[name as keyof typeof STRING_SHAPES]).toEqual(constraints.shapes[name]);
  });

  test.each(Object.keys(MAP_SHAPES))('map shape %s', (name) => {
    expect(MAP_SHAPES[name as keyof typeof MAP_SHAPES]).toEqual(constraints.shapes[name]);
  });

  test.each(Object.keys(STRUCTURE_SHAPES))('structure %s', (name) => {
    expect(STRUCTURE_SHAPES[name as keyof typeof STRUCTURE_SHAPES]).toEqual(constraints.shapes[name]);
  });

  test('every constrained string shape a listed member targets is listed', () => {
    // The handler derives clientRequestToken, and reads the GitHub token from Secrets Manager at
    // run time: no construct property holds either value.
    const notAProperty = new Set(['ClientRequestToken', 'GitHubPersonalToken']);
    const targets = [
      ...Object.values(STRUCTURE_SHAPES).flatMap((s) => Object.values(s.members).map((m) => m.target)),
      ...Object.values(MAP_SHAPES).flatMap((m) => [m.key, m.value]),
    ];
    for (const target of targets) {
      const shape = constraints.shapes[target];
      if (shape.type === 'string' && shape.traits !== undefined && !notAProperty.has(target)) {
        expect(Object.keys(STRING_SHAPES)).toContain(target);
      }
    }
  });

  test.each(Object.keys(constraints.patterns))('pattern %s compiles with the flags the model records', (pattern) => {
    expect(compilePattern(pattern).flags).toEqual(constraints.patterns[pattern].js_u === 'ok' ? 'u' : '');
  });

  test('every pattern of a listed shape is one the model records', () => {
    const patterns = Object.values(STRING_SHAPES)
      .map((s) => (s.traits as { pattern?: string }).pattern)
      .filter((p): p is string => p !== undefined);
    for (const pattern of patterns) {
      expect(constraints.patterns[pattern]).toBeDefined();
    }
  });
});

describe('the flags give the patterns their meaning', () => {
  test('TagKey matches Unicode letters only with the u flag', () => {
    const re = compilePattern(STRING_SHAPES.TagKey.traits.pattern);
    expect(re.test('Équipe 1')).toBe(true);
    expect(re.test('team!')).toBe(false);
  });

  test('Email compiles and matches without the u flag', () => {
    const re = compilePattern(STRING_SHAPES.Email.traits.pattern);
    expect(re.test('alice-b.c+d@example.org')).toBe(true);
    expect(re.test('alice@')).toBe(false);
  });
});
