/**
 * Just enough of IAM policy evaluation to check a role's boundary in tests: Allow statements
 * (there are no Deny statements in the roles here), Action and Resource with `*` and `?`
 * wildcards, and the condition operators the roles use: `Null`, `StringEquals`, `StringLike`,
 * `ForAllValues:StringEquals`, `ForAllValues:StringLike`. A request with several resources (an
 * AssociateAddress names the address and the network interface) is allowed only when each resource
 * is allowed by some statement, as IAM authorizes every resource of an EC2 request. It is a model
 * of the documented rules (IAM User Guide, "Policy evaluation logic" and "Condition operators"),
 * not AWS's evaluator: it answers "denied" for anything it does not model.
 *
 * @example
 * allows(statements, { action: 'ec2:DeleteTags', resources: ['arn:aws:ec2:sa-east-1:1:elastic-ip/eipalloc-1'], context: {} }); // false
 */

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamRequest {
  action: string;
  /** Each resource of the request, with the condition keys it brings (aws:ResourceTag/... of that resource). */
  resources: { arn: string; context?: Record<string, string | string[]> }[];
  /** Request-wide keys: aws:TagKeys, aws:RequestTag/..., ec2:CreateAction. Absent keys are absent. */
  context: Record<string, string | string[]>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = `^${pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')}$`;
  return new RegExp(source, caseInsensitive ? 'i' : '').test(value);
}

function conditionHolds(operator: string, key: string, wanted: string[], context: Record<string, string | string[]>): boolean {
  const present = Object.hasOwn(context, key);
  const values = present ? list(context[key] ?? []) : [];
  switch (operator) {
    case 'Null':
      // Null true: the key must be absent; false: present.
      return wanted[0] === 'true' ? !present : present;
    case 'StringEquals':
      return present && values.some((value) => wanted.includes(value));
    case 'StringLike':
      return present && values.some((value) => wanted.some((pattern) => glob(pattern, value)));
    case 'ForAllValues:StringEquals':
      return values.every((value) => wanted.includes(value));
    case 'ForAllValues:StringLike':
      return values.every((value) => wanted.some((pattern) => glob(pattern, value)));
    default:
      throw new Error(`iam-policy: condition operator ${operator} is not modelled`);
  }
}

function statementAllows(
  statement: Statement,
  action: string,
  resource: { arn: string; context?: Record<string, string | string[]> },
  context: Record<string, string | string[]>,
): boolean {
  if (statement.Effect !== 'Allow') throw new Error('iam-policy: Deny statements are not modelled');
  if (!list(statement.Action).some((pattern) => glob(pattern, action, true))) return false;
  if (!list(statement.Resource).some((pattern) => glob(pattern, resource.arn))) return false;
  const keys = { ...context, ...resource.context };
  return Object.entries(statement.Condition ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, wanted]) => conditionHolds(operator, key, list(wanted), keys)),
  );
}

/** Whether the statements allow the request: every resource allowed by some statement. */
export function allows(statements: readonly Statement[], request: IamRequest): boolean {
  return (
    request.resources.length > 0 &&
    request.resources.every((resource) => statements.some((statement) => statementAllows(statement, request.action, resource, request.context)))
  );
}
