import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import {
  MAP_SHAPES, MapShape, MapShapeName, STRING_SHAPES, STRUCTURE_SHAPES, StringShape, StringShapeName, StructureMember,
  StructureShapeName,
} from './model';
import { codePointLength, compilePattern } from './patterns';
import type { CodeStarProjectProps } from '../project';
import type { CodeDestination, ProjectSource } from '../source';
import type { TeamMemberProps } from '../team-member';
import type { UserProfileProps } from '../user-profile';
import { MAX_PROJECT_TIMEOUT, MIN_PROJECT_TIMEOUT } from './provider/timeouts';

/**
 * Shapes whose values an error message never prints, only their length: every shape the model marks
 * `sensitive` (project name and description, display name, email address, stack parameter values),
 * plus the SSH public key, which the model leaves unmarked but which is personal data. Error text
 * ends up in CI logs; the length is enough to see what is wrong.
 */
const PERSONAL_DATA_SHAPES: ReadonlySet<StringShapeName> = new Set(['SshPublicKey']);

/** `2 to 15`, `at least 1`, `at most 25`. */
function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) {
    return `${min} to ${max}`;
  }
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

function isHidden(shape: StringShapeName): boolean {
  const traits: StringShape['traits'] = STRING_SHAPES[shape].traits;
  return traits?.sensitive === true || PERSONAL_DATA_SHAPES.has(shape);
}

function describe(value: string, hidden: boolean): string {
  return hidden ? `(value hidden, ${codePointLength(value)} characters)` : JSON.stringify(value);
}

/**
 * Checks property values against the CodeStar API model and collects every problem, so that the
 * user sees all of them at once. Unresolved tokens are skipped: their values are only known at
 * deployment, where the handler's call is validated by the service itself.
 *
 * Each problem reads `<prop> "<value>" <rule>`; `throwIfInvalid` prefixes the construct path.
 */
export class ModelValidator {
  private readonly problems: string[] = [];

  /**
   * Adds a problem in the common format. Use it for rules that are documented but not modelled
   * (for example sourceCode together with toolchain).
   */
  public add(prop: string, rule: string, value?: string, hidden = false) {
    const shown = value === undefined ? '' : ` ${describe(value, hidden)}`;
    this.problems.push(`${prop}${shown} ${rule}`);
  }

  /**
   * Checks one member of a request structure: required-ness from the structure, then the traits of
   * the string shape it targets.
   */
  public member(prop: string, value: string | undefined, structure: StructureShapeName, member: string) {
    const members: { readonly [name: string]: StructureMember | undefined } = STRUCTURE_SHAPES[structure].members;
    const spec = members[member];
    if (!spec) {
      throw new Error(`${structure} has no member ${member} in the API model`);
    }
    if (value === undefined || value === null) {
      if (spec.required) {
        this.add(prop, `is required (${structure}.${member})`);
      }
      return;
    }
    if (!(spec.target in STRING_SHAPES)) {
      throw new Error(`${structure}.${member} targets ${spec.target}, which is not a string shape of the model`);
    }
    this.string(prop, value, spec.target as StringShapeName);
  }

  /**
   * Checks a required value that the caller provides as an object (a user, a secret): only whether
   * it is present.
   */
  public present(prop: string, value: unknown, structure: StructureShapeName, member: string): boolean {
    if (value === undefined || value === null) {
      this.add(prop, `is required (${structure}.${member})`);
      return false;
    }
    return true;
  }

  /**
   * Checks a string against the length and pattern traits of a shape.
   */
  public string(prop: string, value: string, shape: StringShapeName) {
    if (Token.isUnresolved(value)) {
      return;
    }
    if (typeof value !== 'string') {
      this.add(prop, `must be a string (${shape})`);
      return;
    }
    const traits: StringShape['traits'] = STRING_SHAPES[shape].traits;
    const hidden = isHidden(shape);
    const length = codePointLength(value);
    const min = traits?.length?.min;
    const max = traits?.length?.max;
    if ((min !== undefined && length < min) || (max !== undefined && length > max)) {
      this.add(prop, `must be ${range(min, max)} characters long, got ${length} (${shape})`, value, hidden);
    }
    if (traits?.pattern !== undefined && !compilePattern(traits.pattern).test(value)) {
      this.add(prop, `must match ${traits.pattern} (${shape})`, value, hidden);
    }
  }

  /**
   * Checks a map's number of entries and each key and value against the map shape.
   */
  public map(prop: string, value: { readonly [key: string]: string } | undefined, shape: MapShapeName) {
    if (value === undefined || Token.isUnresolved(value)) {
      return;
    }
    const spec: MapShape = MAP_SHAPES[shape];
    const entries = Object.entries(value);
    const min = spec.traits?.length?.min;
    const max = spec.traits?.length?.max;
    if ((min !== undefined && entries.length < min) || (max !== undefined && entries.length > max)) {
      this.add(prop, `must have ${range(min, max)} entries, got ${entries.length} (${shape})`);
    }
    for (const [key, entry] of entries) {
      this.string(`${prop} key`, key, spec.key);
      // The key names the entry: printing it is fine unless the key shape is itself hidden.
      const entryProp = isHidden(spec.key) ? `${prop} value` : `${prop}[${JSON.stringify(key)}]`;
      this.string(entryProp, entry, spec.value);
    }
  }

  /** The problems found so far, each as `<prop> "<value>" <rule>`. */
  public get messages(): string[] {
    return [...this.problems];
  }

  /**
   * Throws one error listing every problem, each prefixed with the construct path.
   */
  public throwIfInvalid(scopeOrPath: IConstruct | string, what: string) {
    if (this.problems.length === 0) {
      return;
    }
    const path = typeof scopeOrPath === 'string' ? scopeOrPath : scopeOrPath.node.path;
    const lines = this.problems.map((p) => `  ${path}: ${p}`);
    const count = this.problems.length === 1 ? '1 problem' : `${this.problems.length} problems`;
    throw new Error(`Invalid ${what} (${count}):\n${lines.join('\n')}`);
  }
}

/** Checks `CodeStarProject` props against CreateProject (and the documented pairing rule). */
export function validateProjectProps(props: CodeStarProjectProps): ModelValidator {
  const v = new ModelValidator();
  v.member('projectId', props.projectId, 'CreateProjectRequest', 'id');
  v.member('projectName', props.projectName, 'CreateProjectRequest', 'name');
  v.member('description', props.description, 'CreateProjectRequest', 'description');

  const sourceCode = props.sourceCode ?? [];
  // Documented for CreateProject but not modelled: the two are only accepted together.
  if (sourceCode.length > 0 && props.toolchain === undefined) {
    v.add('sourceCode', 'requires toolchain: CodeStar accepts sourceCode only together with a toolchain (CreateProject)');
  }
  if (props.toolchain !== undefined && sourceCode.length === 0) {
    v.add('toolchain', 'requires sourceCode: CodeStar accepts a toolchain only together with sourceCode (CreateProject)');
  }
  sourceCode.forEach((code, i) => {
    const prop = `sourceCode[${i}]`;
    if (v.present(`${prop}.source`, code?.source, 'Code', 'source')) {
      validateSource(v, `${prop}.source`, code.source);
    }
    if (v.present(`${prop}.destination`, code?.destination, 'Code', 'destination')) {
      validateDestination(v, `${prop}.destination`, code.destination);
    }
  });

  const toolchain = props.toolchain;
  if (toolchain !== undefined) {
    validateSource(v, 'toolchain.template', toolchain.template);
    if (toolchain.role !== undefined) {
      v.member('toolchain.role', toolchain.role.roleArn, 'Toolchain', 'roleArn');
    }
    v.map('toolchain.stackParameters', toolchain.stackParameters, 'TemplateParameterMap');
  }

  validateRemovalPolicy(v, props.removalPolicy, 'a CodeStar project');
  validateFlag(v, 'adopt', props.adopt, 'the default removalPolicy depends on it');
  if (props.timeout !== undefined) {
    validateProjectTimeout(v, props.timeout);
  }
  return v;
}

/** The removal policies a custom resource of this library supports: all but SNAPSHOT. */
export function validateRemovalPolicy(v: ModelValidator, policy: RemovalPolicy | undefined, what: string) {
  if (policy === RemovalPolicy.SNAPSHOT) {
    v.add('removalPolicy', `must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY: ${what} has no snapshot`, policy);
  }
}

/** A flag that must be known at synthesis (a default is computed from it): true, false or absent. */
function validateFlag(v: ModelValidator, prop: string, value: boolean | undefined, why: string) {
  if (value !== undefined && typeof value !== 'boolean') {
    v.add(prop, `must be true or false at synthesis: ${why}`, Token.isUnresolved(value) ? '(a token)' : String(value));
  }
}

/**
 * The project's wait timeout: concrete (the resource's serviceTimeout is computed from it), whole
 * seconds, and short enough that the serviceTimeout stays within CloudFormation's one hour.
 */
function validateProjectTimeout(v: ModelValidator, timeout: Duration) {
  if (timeout.isUnresolved()) {
    v.add('timeout', 'must not be a token: the custom resource\'s ServiceTimeout is computed from it at synthesis');
    return;
  }
  const millis = timeout.toMilliseconds({ integral: false });
  if (millis % 1000 !== 0) {
    v.add('timeout', 'must be a whole number of seconds', `${millis} milliseconds`);
  } else if (millis < MIN_PROJECT_TIMEOUT.toMilliseconds() || millis > MAX_PROJECT_TIMEOUT.toMilliseconds()) {
    v.add('timeout', `must be from ${MIN_PROJECT_TIMEOUT.toHumanString()} to ${MAX_PROJECT_TIMEOUT.toHumanString()}`, timeout.toHumanString());
  }
}

function validateSource(v: ModelValidator, prop: string, source: ProjectSource) {
  const bucketName = source._bucketNameBeforeBind();
  v.member(`${prop}.bucket.bucketName`, bucketName, 'S3Location', 'bucketName');
}

function validateDestination(v: ModelValidator, prop: string, destination: CodeDestination) {
  const codeCommit = destination.codeCommitOptions;
  const gitHub = destination.gitHubOptions;
  if (!codeCommit && !gitHub) {
    v.add(prop, 'must be CodeDestination.codeCommit() or CodeDestination.gitHub() (CodeDestination)');
  }
  if (codeCommit) {
    v.member(`${prop}.repositoryName`, codeCommit.repositoryName, 'CodeCommitCodeDestination', 'name');
  }
  if (gitHub) {
    v.member(`${prop}.repositoryName`, gitHub.repositoryName, 'GitHubCodeDestination', 'name');
    v.member(`${prop}.owner`, gitHub.owner, 'GitHubCodeDestination', 'owner');
    v.member(`${prop}.ownerType`, gitHub.ownerType, 'GitHubCodeDestination', 'type');
    v.member(`${prop}.description`, gitHub.description, 'GitHubCodeDestination', 'description');
    v.present(`${prop}.token`, gitHub.token, 'GitHubCodeDestination', 'token');
  }
}

/** Checks the project's tags against CreateProject / TagProject's `Tags` map. */
export function validateTags(tags: { readonly [key: string]: string }): string[] {
  const v = new ModelValidator();
  v.map('tags', tags, 'Tags');
  return v.messages;
}

/** Checks `TeamMember` props against AssociateTeamMember. */
export function validateTeamMemberProps(props: TeamMemberProps, projectRole: string): ModelValidator {
  const v = new ModelValidator();
  if (v.present('project', props.project, 'AssociateTeamMemberRequest', 'projectId')) {
    v.member('project.projectId', props.project.projectId, 'AssociateTeamMemberRequest', 'projectId');
  }
  if (v.present('user', props.user, 'AssociateTeamMemberRequest', 'userArn')) {
    v.member('user.userArn', props.user.userArn, 'AssociateTeamMemberRequest', 'userArn');
  }
  v.member('role', projectRole, 'AssociateTeamMemberRequest', 'projectRole');
  validateRemovalPolicy(v, props.removalPolicy, 'a CodeStar team member');
  return v;
}

/** Checks `UserProfile` props against CreateUserProfile. */
export function validateUserProfileProps(props: UserProfileProps): ModelValidator {
  const v = new ModelValidator();
  if (v.present('user', props.user, 'CreateUserProfileRequest', 'userArn')) {
    v.member('user.userArn', props.user.userArn, 'CreateUserProfileRequest', 'userArn');
  }
  v.member('displayName', props.displayName, 'CreateUserProfileRequest', 'displayName');
  v.member('emailAddress', props.emailAddress, 'CreateUserProfileRequest', 'emailAddress');
  v.member('sshPublicKey', props.sshPublicKey, 'CreateUserProfileRequest', 'sshPublicKey');
  validateRemovalPolicy(v, props.removalPolicy, 'a CodeStar user profile');
  validateFlag(v, 'adopt', props.adopt, 'the default removalPolicy depends on it');
  return v;
}

/** Checks a project id given to an importer. */
export function validateImportedProjectId(projectId: string): ModelValidator {
  const v = new ModelValidator();
  v.member('projectId', projectId, 'CreateProjectRequest', 'id');
  return v;
}

/** Checks a project ARN given to an importer. */
export function validateImportedProjectArn(projectArn: string): ModelValidator {
  const v = new ModelValidator();
  if (projectArn === undefined || projectArn === null) {
    v.add('projectArn', 'is required');
  } else {
    v.string('projectArn', projectArn, 'ProjectArn');
  }
  return v;
}

/** Checks a user ARN given to an importer. */
export function validateImportedUserArn(userArn: string): ModelValidator {
  const v = new ModelValidator();
  v.member('userArn', userArn, 'CreateUserProfileRequest', 'userArn');
  return v;
}
