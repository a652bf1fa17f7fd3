import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, writeAssembly } from './helpers';
import { loadCloudAssembly } from '../../src/local/cfn/assembly';
import { evaluateCondition, IntrinsicContext, NO_VALUE, resolveValue } from '../../src/local/cfn/intrinsics';
import { simulate, simulatedAttribute } from '../../src/local/cfn/simulated';
import { referencedNames, topologicalOrder } from '../../src/local/cfn/template';

const ctx: IntrinsicContext = {
  pseudo: { 'AWS::Region': 'eu-west-1', 'AWS::StackName': 'S' },
  parameter: name => (name === 'Env' ? 'dev' : undefined),
  ref: id => `${id}-physical`,
  getAtt: (id, attr) => `${id}.${attr}`,
  condition: name => name === 'Yes',
  importValue: name => `imported-${name}`,
  findInMap: (m, a, b) => `${m}/${a}/${b}`,
};

describe('intrinsics', () => {
  test.each([
    [{ Ref: 'Env' }, 'dev'],
    [{ Ref: 'Bucket' }, 'Bucket-physical'],
    [{ 'Fn::GetAtt': 'Db.Endpoint.Address' }, 'Db.Endpoint.Address'],
    [{ 'Fn::Sub': '${Db.Port}/${Env}/${AWS::Region}/${!Raw}' }, 'Db.Port/dev/eu-west-1/${Raw}'],
    [{ 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-', 1, true]] }, 'S-1true'],
    [{ 'Fn::Select': ['2', ['a', 'b', 'c']] }, 'c'],
    [{ 'Fn::Split': ['|', 'x|y'] }, ['x', 'y']],
    [{ 'Fn::If': ['No', 'a', 'b'] }, 'b'],
    [{ 'Fn::ImportValue': { 'Fn::Sub': '${Env}-id' } }, 'imported-dev-id'],
    [{ 'Fn::FindInMap': ['M', 'k', { Ref: 'Env' }] }, 'M/k/dev'],
    [{ 'Fn::Base64': 'hi' }, 'aGk='],
    [{ 'Fn::GetAZs': '' }, ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']],
    [{ 'Fn::Length': [1, 2, 3] }, 3],
    [{ 'Fn::ToJsonString': { a: { Ref: 'Env' } } }, '{"a":"dev"}'],
    [{ a: [1, { Ref: 'AWS::NoValue' }], b: { Ref: 'AWS::NoValue' } }, { a: [1] }],
  ])('%j -> %j', (input, expected) => {
    expect(resolveValue(input, ctx)).toEqual(expected);
  });

  test('AWS::NoValue at the top is the NoValue marker; unsupported functions and bad arguments throw', () => {
    expect(resolveValue({ Ref: 'AWS::NoValue' }, ctx)).toBe(NO_VALUE);
    expect(() => resolveValue({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, ctx)).toThrow('Fn::Cidr is not supported by the local runner');
    expect(() => resolveValue({ 'Fn::Select': [5, ['a']] }, ctx)).toThrow(/out of bounds/);
    expect(() => resolveValue({ 'Fn::Join': [',', [{ a: 1 }]] }, ctx)).toThrow(/scalar/);
    expect(() => resolveValue({ 'Fn::GetAtt': 'NoDot' }, ctx)).toThrow(/LogicalId.Attribute/);
  });

  test('conditions', () => {
    expect(evaluateCondition({ 'Fn::And': [{ Condition: 'Yes' }, { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] }] }, ctx)).toBe(true);
    expect(evaluateCondition({ 'Fn::Or': [{ Condition: 'No' }, { 'Fn::Not': [{ Condition: 'Yes' }] }] }, ctx)).toBe(false);
  });
});

describe('template graph', () => {
  test('references through Ref, GetAtt and both Fn::Sub forms, not pseudo parameters or Sub variables', () => {
    const names = referencedNames({
      a: { Ref: 'A' },
      b: { 'Fn::GetAtt': ['B', 'Arn'] },
      c: { 'Fn::Sub': '${C}-${D.Name}-${AWS::Region}-${!E}' },
      d: { 'Fn::Sub': ['${Var}-${F}', { Var: { Ref: 'G' } }] },
      e: { Ref: 'AWS::AccountId' },
    });
    expect([...names].sort()).toEqual(['A', 'B', 'C', 'D', 'F', 'G']);
  });

  test('topological order keeps the given order among independent ids and names cycles', () => {
    const deps: Record<string, string[]> = { a: ['c'], b: [], c: [], d: ['a', 'b'] };
    expect(topologicalOrder(['a', 'b', 'c', 'd'], id => deps[id])).toEqual(['b', 'c', 'a', 'd']);
    expect(() => topologicalOrder(['x', 'y'], id => (id === 'x' ? ['y'] : ['x']))).toThrow('Circular dependency between resources: [x, y]');
  });
});

describe('simulated resources', () => {
  const env = { stackName: 'S', region: 'us-east-1', account: '123456789012', partition: 'aws' };

  test('names, ARNs and ids by type', () => {
    expect(simulate('AWS::S3::Bucket', 'Assets', {}, env).ref).toMatch(/^s-assets-[a-z0-9]{12}$/);
    expect(simulate('AWS::SecretsManager::Secret', 'Token', { Name: 'gh' }, env).ref).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:gh-[A-Z0-9]{6}$/);
    expect(simulatedAttribute('AWS::IAM::Role', 'R', { RoleName: 'r' }, 'RoleId', env)).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(simulatedAttribute('AWS::Logs::LogGroup', 'L', { LogGroupName: '/x' }, 'Arn', env)).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/x:*');
    expect(simulatedAttribute('AWS::EC2::VPC', 'Vpc', {}, 'Arn', env)).toMatch(/^arn:aws:ec2:us-east-1:123456789012:vpc\/S-Vpc-/);
  });
});

describe('cloud assembly', () => {
  test('reads stacks, their environments and nested assemblies, in dependency order', () => {
    const dir = tempDir();
    try {
      writeAssembly(dir, { App: { Resources: {} } }, { environment: 'aws://111122223333/eu-central-1' });
      const stage = writeAssembly(path.join(dir, 'assembly-Prod'), { ProdStack: { Resources: {} } }, { dependencies: {} });
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf-8'));
      manifest.artifacts['assembly-Prod'] = { type: 'cdk:cloud-assembly', properties: { directoryName: path.basename(stage) } };
      manifest.artifacts.App.dependencies.push('ProdStack');
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
      const stacks = loadCloudAssembly(dir);
      expect(stacks.map(s => [s.stackName, s.account, s.region])).toEqual([
        ['ProdStack', undefined, undefined],
        ['App', '111122223333', 'eu-central-1'],
      ]);
      expect(() => loadCloudAssembly(path.join(dir, 'nope'))).toThrow(/no manifest.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
