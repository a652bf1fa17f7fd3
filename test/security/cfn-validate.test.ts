import { Engine, RegoEngine, SchemaValidator, StandardDiagnostic, TemplateFile } from '@aws/cloudformation-validate';
import { synthExample } from './helpers';

/**
 * The example app's templates, both stages, through @aws/cloudformation-validate (schema validation
 * and the cfn-lint rules, offline): no error, and only the warnings listed below, each with the
 * reason it stays. Informational findings (I-rules: untagged resources, Fn::Join rather than
 * Fn::Sub in aws-cdk-lib's rendering) are not listed.
 */

/**
 * Warnings that stay, by rule and resource (logical id). W3005 "DependsOn already enforced by a
 * GetAtt": aws-cdk-lib's lambda.Function declares a DependsOn on its role as well as referencing it,
 * so that the role's policy (in the same DependsOn) exists before the function runs; the role entry
 * is redundant and harmless, and not ours to change. The provider's one function keeps the Provider
 * framework's entry function id (test/contract.test.ts).
 */
const EXPECTED_WARNINGS: ReadonlyArray<readonly [rule: string, resource: RegExp, reason: string]> = [
  ['W3005', /^CodeStarProvider8f3c2aProviderframeworkonEvent737B3291$/, 'lambda.Function: DependsOn its role next to Fn::GetAtt Role.Arn'],
];

const SEVERITY = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3, FATAL: 4 } as const;

function describeDiagnostic(d: StandardDiagnostic): string {
  return `[${d.severity}] ${d.ruleId} ${d.entity?.logicalId ?? '-'} ${d.propertyPath ?? ''}: ${d.message}`;
}

describe.each(['initial', 'changed'] as const)('the example app template (%s)', (stage) => {
  const { templateFile } = synthExample(stage);
  let diagnostics: StandardDiagnostic[];
  let status: string;
  let schemaDiagnostics: StandardDiagnostic[];

  beforeAll(() => {
    // Engines and validators hold off-heap (WebAssembly) memory: always free them.
    const engine: Engine = new RegoEngine();
    try {
      const report = engine.validateStandard(new TemplateFile(templateFile));
      status = report.status;
      diagnostics = report.diagnostics;
    } finally {
      engine.free();
    }
    const validator = new SchemaValidator();
    try {
      schemaDiagnostics = validator.validate(new TemplateFile(templateFile), 'us-east-1');
    } finally {
      validator.free();
    }
  });

  test('is analysed completely', () => {
    expect(status).toBe('OK');
  });

  test('has no error', () => {
    const errors = [...diagnostics, ...schemaDiagnostics].filter(d => SEVERITY[d.severity as keyof typeof SEVERITY] >= SEVERITY.ERROR);
    expect(errors.map(describeDiagnostic)).toEqual([]);
  });

  test('has only the warnings listed, each with its reason', () => {
    const warnings = diagnostics.filter(d => d.severity === 'WARN');
    const unexpected = warnings.filter(d => !EXPECTED_WARNINGS.some(([rule, resource]) => d.ruleId === rule && resource.test(d.entity?.logicalId ?? '')));
    expect(unexpected.map(describeDiagnostic)).toEqual([]);
    // Every listed warning still occurs: a fixed one comes off the list (and out of the README).
    const stale = EXPECTED_WARNINGS.filter(([rule, resource]) => !warnings.some(d => d.ruleId === rule && resource.test(d.entity?.logicalId ?? '')));
    expect(stale.map(([rule, resource, reason]) => `${rule} ${resource}: ${reason}`)).toEqual([]);
  });

  test('no warning on the CodeStar custom resources', () => {
    const onCustomResources = diagnostics.filter(d => d.severity !== 'INFO' && /^Custom::CodeStar/.test(d.entity?.resourceType ?? ''));
    expect(onCustomResources.map(describeDiagnostic)).toEqual([]);
  });
});
