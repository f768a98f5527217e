/**
 * The eip-manager role in serverless.yml holds the pool boundary docs/security.md states, checked with a
 * model of IAM's evaluation (testing/iam-policy.ts) on the requests eip-manager sends and on
 * the ones it must never be able to send. The e2e suite checks the same on the packaged template.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { IamRequest, Statement } from '../../../testing/iam-policy';
import { allows } from '../../../testing/iam-policy';

const ADDRESS = 'arn:aws:ec2:sa-east-1:111122223333:elastic-ip/eipalloc-0a1b2c3d4e5f60718';
const ENI = { arn: 'arn:aws:ec2:sa-east-1:111122223333:network-interface/eni-0a1b2c3d4e5f60718' };
const NAT = { arn: 'arn:aws:ec2:sa-east-1:111122223333:natgateway/nat-0a1b2c3d4e5f60718' };

type Tags = Record<string, string>;
const POOL: Tags = { 'eks-pilot/cluster': 'financial-move', 'eks-pilot/pool': 'egress' };
const ADOPTED: Tags = { 'partner-allowlist': 'financial-move-egress', 'eks-pilot/adopted-by': 'financial-move/egress' };
const FOREIGN: Tags = { 'partner-allowlist': 'financial-move-egress', team: 'other' };

/** The address as a resource of the request, with its tags as aws:ResourceTag/... keys. */
function address(tags: Tags): IamRequest['resources'][number] {
  return { arn: ADDRESS, context: Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value])) };
}

/** The role's statements with the template's defaults filled in, as `serverless package` writes them for specs whose one NAT pool names {@link NAT}. */
function eipManagerStatements(template: string): Statement[] {
  const resolved = template
    .replaceAll('${specs:natGatewayArns}', `[${NAT.arn}]`)
    .replaceAll('${param:leaseTable}', 'eks-pilot-leases')
    .replaceAll('${sls:stage}', 'dev');
  const document = parse(resolved) as {
    resources: { Resources: { EipManagerRole: { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } } } };
  };
  return document.resources.Resources.EipManagerRole.Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const statements = eipManagerStatements(readFileSync(path.join(__dirname, '../../../serverless.yml'), 'utf8'));

describe('the eip-manager role', () => {
  it.each<[string, IamRequest, boolean]>([
    [
      'associates an address carrying the pool tags with a node interface',
      { action: 'ec2:AssociateAddress', resources: [address(POOL), ENI], context: {} },
      true,
    ],
    ['associates an adopted address once marked', { action: 'ec2:AssociateAddress', resources: [address(ADOPTED), ENI], context: {} }, true],
    [
      'refuses to associate an address without the pool tags or the adoption mark',
      { action: 'ec2:AssociateAddress', resources: [address(FOREIGN), ENI], context: {} },
      false,
    ],
    ['refuses to disassociate an address without the pool tags', { action: 'ec2:DisassociateAddress', resources: [address(FOREIGN), ENI], context: {} }, false],
    ['disassociates a pool address', { action: 'ec2:DisassociateAddress', resources: [address(POOL), ENI], context: {} }, true],
    ['adds a pool address to a NAT gateway', { action: 'ec2:AssociateNatGatewayAddress', resources: [address(POOL), NAT], context: {} }, true],
    [
      'refuses to add a pool address to a NAT gateway no spec names',
      {
        action: 'ec2:AssociateNatGatewayAddress',
        resources: [address(POOL), { arn: 'arn:aws:ec2:sa-east-1:111122223333:natgateway/nat-0ffffffffffffffff' }],
        context: {},
      },
      false,
    ],
    [
      'takes an adopted address off a node, moving the pool to its NAT gateway (attachTo.moveFrom)',
      {
        action: 'ec2:DisassociateAddress',
        resources: [address(ADOPTED), { arn: 'arn:aws:ec2:sa-east-1:111122223333:instance/i-0a1b2c3d4e5f60718' }, ENI],
        context: {},
      },
      true,
    ],
    [
      'adds an adopted address to a NAT gateway a spec names',
      { action: 'ec2:AssociateNatGatewayAddress', resources: [address(ADOPTED), NAT], context: {} },
      true,
    ],
    ['refuses to add a foreign address to a NAT gateway', { action: 'ec2:AssociateNatGatewayAddress', resources: [address(FOREIGN), NAT], context: {} }, false],
    ['refuses a DeleteTags with no tag list (it would strip every tag)', { action: 'ec2:DeleteTags', resources: [address(POOL)], context: {} }, false],
    ['removes the unused-since mark', { action: 'ec2:DeleteTags', resources: [address(POOL)], context: { 'aws:TagKeys': ['eks-pilot/unused-since'] } }, true],
    ['refuses to remove the pool tag', { action: 'ec2:DeleteTags', resources: [address(POOL)], context: { 'aws:TagKeys': ['eks-pilot/pool'] } }, false],
    ['refuses to remove a partner tag', { action: 'ec2:DeleteTags', resources: [address(ADOPTED)], context: { 'aws:TagKeys': ['partner-allowlist'] } }, false],
    [
      'marks an address adopted',
      {
        action: 'ec2:CreateTags',
        resources: [address(FOREIGN)],
        context: { 'aws:TagKeys': ['eks-pilot/adopted-by'], 'aws:RequestTag/eks-pilot/adopted-by': 'financial-move/egress' },
      },
      true,
    ],
    [
      "refuses to tag a foreign address as a pool's after allocation (that would make it releasable)",
      { action: 'ec2:CreateTags', resources: [address(FOREIGN)], context: { 'aws:TagKeys': ['eks-pilot/cluster', 'eks-pilot/pool'] } },
      false,
    ],
    [
      'tags an address in its own AllocateAddress request',
      {
        action: 'ec2:CreateTags',
        resources: [address({})],
        context: { 'ec2:CreateAction': 'AllocateAddress', 'aws:TagKeys': ['eks-pilot/cluster', 'eks-pilot/pool', 'eks-pilot/claim'] },
      },
      true,
    ],
    [
      'allocates only with the pool tags in the request',
      {
        action: 'ec2:AllocateAddress',
        resources: [address({})],
        context: { 'aws:RequestTag/eks-pilot/cluster': 'financial-move', 'aws:RequestTag/eks-pilot/pool': 'egress' },
      },
      true,
    ],
    ['refuses an allocation without the pool tags', { action: 'ec2:AllocateAddress', resources: [address({})], context: {} }, false],
    ['releases an address a pool allocated', { action: 'ec2:ReleaseAddress', resources: [address(POOL)], context: {} }, true],
    [
      'refuses to release an adopted address',
      { action: 'ec2:ReleaseAddress', resources: [address({ ...POOL, 'eks-pilot/adopted-by': 'financial-move/egress' })], context: {} },
      false,
    ],
    ['refuses to release a foreign address', { action: 'ec2:ReleaseAddress', resources: [address(FOREIGN)], context: {} }, false],
    [
      'takes a pool lease',
      {
        action: 'dynamodb:PutItem',
        resources: [{ arn: 'arn:aws:dynamodb:sa-east-1:111122223333:table/eks-pilot-leases' }],
        context: { 'dynamodb:LeadingKeys': ['eip-pool/sa-east-1/financial-move/egress'] },
      },
      true,
    ],
    [
      'refuses to write another item of the lease table',
      {
        action: 'dynamodb:PutItem',
        resources: [{ arn: 'arn:aws:dynamodb:sa-east-1:111122223333:table/eks-pilot-leases' }],
        context: { 'dynamodb:LeadingKeys': ['deploy/x'] },
      },
      false,
    ],
    [
      'publishes under its own stage',
      {
        action: 'ssm:PutParameter',
        resources: [{ arn: 'arn:aws:ssm:us-east-1:111122223333:parameter/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress' }],
        context: {},
      },
      true,
    ],
    [
      "refuses to write another stage's allow-list",
      {
        action: 'ssm:PutParameter',
        resources: [{ arn: 'arn:aws:ssm:us-east-1:111122223333:parameter/eks-pilot/prod/sa-east-1/financial-move/eip-pools/egress' }],
        context: {},
      },
      false,
    ],
    [
      'refuses to write the old, colliding name',
      {
        action: 'ssm:PutParameter',
        resources: [{ arn: 'arn:aws:ssm:us-east-1:111122223333:parameter/eks-pilot/financial-move/eip-pools/egress' }],
        context: {},
      },
      false,
    ],
    [
      'reads the old name',
      {
        action: 'ssm:GetParameter',
        resources: [{ arn: 'arn:aws:ssm:us-east-1:111122223333:parameter/eks-pilot/financial-move/eip-pools/egress' }],
        context: {},
      },
      true,
    ],
  ])('%s', (_label, request, expected) => {
    // Act
    const allowed = allows(statements, request);

    // Assess
    expect(allowed).toBe(expected);
  });
});
