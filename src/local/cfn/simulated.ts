import { sha256 } from '../../private/sha256';

/**
 * Resources the runner does not drive through a handler (IAM, Lambda, Step Functions, S3 assets,
 * ...) still need plausible `Ref` and `Fn::GetAtt` values. They are derived deterministically from
 * the stack, the logical id and the name property, so every run produces the same values.
 */

export interface SimulationEnv {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
}

interface Kind {
  /** Property that names the resource. */
  readonly nameProperty?: string;
  readonly maxNameLength?: number;
  readonly lowercase?: boolean;
  /** What Ref answers (default: the name). */
  readonly ref?: (name: string, arn: string, env: SimulationEnv) => string;
  readonly arn: (name: string, props: Record<string, unknown>, env: SimulationEnv, salt: string, type: string) => string;
}

const iamPath = (props: Record<string, unknown>) => (typeof props.Path === 'string' ? props.Path : '/');
const refIsArn = (_name: string, arn: string) => arn;

const KINDS: Readonly<Record<string, Kind>> = {
  'AWS::IAM::User': { nameProperty: 'UserName', maxNameLength: 64, arn: (n, p, e) => `arn:${e.partition}:iam::${e.account}:user${iamPath(p)}${n}` },
  'AWS::IAM::Role': { nameProperty: 'RoleName', maxNameLength: 64, arn: (n, p, e) => `arn:${e.partition}:iam::${e.account}:role${iamPath(p)}${n}` },
  'AWS::IAM::Group': { nameProperty: 'GroupName', maxNameLength: 128, arn: (n, p, e) => `arn:${e.partition}:iam::${e.account}:group${iamPath(p)}${n}` },
  'AWS::IAM::Policy': { nameProperty: 'PolicyName', maxNameLength: 128, arn: (n, _p, e) => `arn:${e.partition}:iam::${e.account}:policy/${n}` },
  'AWS::IAM::ManagedPolicy': {
    nameProperty: 'ManagedPolicyName',
    maxNameLength: 128,
    ref: refIsArn,
    arn: (n, p, e) => `arn:${e.partition}:iam::${e.account}:policy${iamPath(p)}${n}`,
  },
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', maxNameLength: 64, arn: (n, _p, e) => `arn:${e.partition}:lambda:${e.region}:${e.account}:function:${n}` },
  'AWS::S3::Bucket': { nameProperty: 'BucketName', maxNameLength: 63, lowercase: true, arn: (n, _p, e) => `arn:${e.partition}:s3:::${n}` },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    maxNameLength: 80,
    ref: refIsArn,
    arn: (n, _p, e) => `arn:${e.partition}:states:${e.region}:${e.account}:stateMachine:${n}`,
  },
  'AWS::SecretsManager::Secret': {
    nameProperty: 'Name',
    maxNameLength: 256,
    ref: refIsArn,
    arn: (n, _p, e, salt) => `arn:${e.partition}:secretsmanager:${e.region}:${e.account}:secret:${n}-${salt.slice(0, 6)}`,
  },
  'AWS::Logs::LogGroup': { nameProperty: 'LogGroupName', maxNameLength: 512, arn: (n, _p, e) => `arn:${e.partition}:logs:${e.region}:${e.account}:log-group:${n}:*` },
  'AWS::SNS::Topic': { nameProperty: 'TopicName', maxNameLength: 256, ref: refIsArn, arn: (n, _p, e) => `arn:${e.partition}:sns:${e.region}:${e.account}:${n}` },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    maxNameLength: 80,
    ref: (n, _arn, e) => `https://sqs.${e.region}.amazonaws.com/${e.account}/${n}`,
    arn: (n, _p, e) => `arn:${e.partition}:sqs:${e.region}:${e.account}:${n}`,
  },
};

/** Anything else: Ref is a stable generated name, Arn a generic ARN of the type's service. */
const GENERIC: Kind = {
  arn: (n, _p, e, _salt, type) => `arn:${e.partition}:${serviceOf(type)}:${e.region}:${e.account}:${resourceOf(type)}/${n}`,
};

export interface SimulatedValues {
  /** What Ref answers; also the physical id. */
  readonly ref: string;
  readonly name: string;
  readonly arn: string;
}

/**
 * `physicalId`: the resource's physical id when it is deployed already (read from CloudFormation,
 * say): a name CloudFormation generated stays the resource's name, as it does in CloudFormation,
 * unless the template names the resource itself.
 */
export function simulate(type: string, logicalId: string, props: Record<string, unknown>, env: SimulationEnv, physicalId?: string): SimulatedValues {
  const kind = KINDS[type] ?? GENERIC;
  const salt = hash(`${env.account}/${env.region}/${env.stackName}/${logicalId}`);
  const given = kind.nameProperty ? props[kind.nameProperty] : undefined;
  const name = typeof given === 'string' && given.length > 0 ? given
    : physicalId !== undefined && physicalId !== '' ? nameOfPhysicalId(kind, physicalId)
      : generatedName(env.stackName, logicalId, salt, kind);
  const arn = kind.arn(name, props, env, salt, type);
  return { ref: kind.ref ? kind.ref(name, arn, env) : name, name, arn };
}

/** Fn::GetAtt of a simulated resource (of a deployed one, when its physical id is given). */
export function simulatedAttribute(
  type: string, logicalId: string, props: Record<string, unknown>, attribute: string, env: SimulationEnv, physicalId?: string,
): string {
  const values = simulate(type, logicalId, props, env, physicalId);
  if (attribute === 'Arn' || attribute.endsWith('Arn')) {
    return values.arn;
  }
  if (attribute === 'Name' || attribute.endsWith('Name')) {
    return values.name;
  }
  if (/^(RoleId|UserId|GroupId|PolicyId)$/.test(attribute)) {
    const prefix = { RoleId: 'AROA', UserId: 'AIDA', GroupId: 'AGPA', PolicyId: 'ANPA' }[attribute];
    return `${prefix}${hash(`${values.arn}/${attribute}`).slice(0, 17)}`;
  }
  if (attribute === 'QueueUrl') {
    return values.ref;
  }
  return `${values.ref}/${attribute}`;
}

/** The name within a physical id: the id itself, or the last part of an ARN or URL that Ref answers. */
function nameOfPhysicalId(kind: Kind, physicalId: string): string {
  return kind.ref === undefined ? physicalId : physicalId.split(/[:/]/).pop() ?? physicalId;
}

function generatedName(stackName: string, logicalId: string, salt: string, kind: Kind): string {
  const max = kind.maxNameLength ?? 64;
  const suffix = salt.slice(0, 12);
  const prefix = `${stackName}-${logicalId}`.slice(0, Math.max(1, max - suffix.length - 1));
  const name = `${prefix}-${suffix}`;
  return kind.lowercase ? name.toLowerCase() : name;
}

function hash(text: string): string {
  return sha256(text).toUpperCase();
}

function serviceOf(type: string): string {
  return (type.split('::')[1] ?? 'custom').toLowerCase();
}

function resourceOf(type: string): string {
  return (type.split('::')[2] ?? type).replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
