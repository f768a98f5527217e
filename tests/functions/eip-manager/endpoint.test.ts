/**
 * The path a user tries before trusting eip-manager with an account: the real handler, the real SDK
 * clients, and AWS_ENDPOINT_URL pointing at an endpoint on this machine (here a small HTTP server
 * that answers like EC2's query API, in XML, and SSM's JSON API; LocalStack or moto in a user's
 * hands). It shows the SDK's own parsing of an EC2 error response reaching the typed quota error.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import scheduleEvent from '../../../events/eip-manager/schedule.json';
import { handler } from '../../../functions/eip-manager/handler';
import { resetAwsClients } from '../../../shared/adapters/aws/clients';
import { lambdaContext } from '../../../testing/lambda-context';
import { answered } from '../../../testing/answers';
import { captureLogLines } from '../../../testing/log-lines';
import { FINANCIAL_MOVE } from '../../../testing/eip-manager';

interface Received {
  service: 'ec2' | 'ssm' | 'dynamodb';
  action: string;
  params: Record<string, string>;
  authorization: string | undefined;
}

interface EmulatedAddress {
  allocationId: string;
  publicIp: string;
  tags: [string, string][];
  networkInterfaceId?: string;
  privateIp?: string;
  instanceId?: string;
}

const NODES = [
  { instanceId: 'i-0000000000000000a', eni: 'eni-0000000000000000a', ip: '10.0.0.10', launched: '2026-11-22T08:01:00.000Z' },
  { instanceId: 'i-0000000000000000b', eni: 'eni-0000000000000000b', ip: '10.0.0.11', launched: '2026-11-22T08:02:00.000Z' },
];

/** Just enough of EC2 and SSM: two prod-ng nodes, an Elastic IP quota of 3, and parameters in a map. */
function startAws(quota: number): Promise<{ server: Server; url: string; received: Received[]; parameters: Map<string, string> }> {
  const received: Received[] = [];
  const addresses: EmulatedAddress[] = [];
  const parameters = new Map<string, string>();
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith('AmazonSSM.')) {
        const body = JSON.parse(text) as { Name: string; Value?: string };
        received.push({ service: 'ssm', action: target.slice('AmazonSSM.'.length), params: { Name: body.Name }, authorization: request.headers.authorization });
        answerSsm(target, body, parameters, response);
        return;
      }
      if (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) {
        // The pools' leases: every conditional write succeeds (one run at a time here).
        received.push({ service: 'dynamodb', action: target.slice('DynamoDB_20120810.'.length), params: {}, authorization: request.headers.authorization });
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(text));
      received.push({ service: 'ec2', action: params.Action ?? '', params, authorization: request.headers.authorization });
      const reply = (status: number, xml: string): true => {
        response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
        return true;
      };
      switch (params.Action ?? '') {
        case 'DescribeAddresses':
          return reply(
            200,
            `<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r1</requestId><addressesSet>${addresses.map(addressXml).join('')}</addressesSet></DescribeAddressesResponse>`,
          );
        case 'DescribeInstances':
          return reply(
            200,
            `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r2</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet>${NODES.map(instanceXml).join('')}</instancesSet></item></reservationSet></DescribeInstancesResponse>`,
          );
        case 'AllocateAddress': {
          if (addresses.length >= quota) {
            return reply(
              400,
              '<Response><Errors><Error><Code>AddressLimitExceeded</Code><Message>The maximum number of addresses has been reached.</Message></Error></Errors><RequestID>r3</RequestID></Response>',
            );
          }
          const n = addresses.length + 1;
          const tags: [string, string][] = [];
          for (let index = 1; params[`TagSpecification.1.Tag.${String(index)}.Key`] !== undefined; index += 1) {
            tags.push([params[`TagSpecification.1.Tag.${String(index)}.Key`] ?? '', params[`TagSpecification.1.Tag.${String(index)}.Value`] ?? '']);
          }
          const address = { allocationId: `eipalloc-0e0000000000000${String(n)}`, publicIp: `203.0.113.${String(n)}`, tags };
          addresses.push(address);
          return reply(
            200,
            `<AllocateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r4</requestId><publicIp>${address.publicIp}</publicIp><domain>vpc</domain><allocationId>${address.allocationId}</allocationId></AllocateAddressResponse>`,
          );
        }
        case 'AssociateAddress': {
          const address = addresses.find((candidate) => candidate.allocationId === params.AllocationId);
          const node = NODES.find((candidate) => candidate.eni === params.NetworkInterfaceId);
          if (address === undefined || node === undefined || address.networkInterfaceId !== undefined) {
            return reply(
              400,
              '<Response><Errors><Error><Code>Resource.AlreadyAssociated</Code><Message>already associated</Message></Error></Errors><RequestID>r5</RequestID></Response>',
            );
          }
          Object.assign(address, { networkInterfaceId: node.eni, privateIp: node.ip, instanceId: node.instanceId });
          return reply(
            200,
            `<AssociateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r6</requestId><return>true</return><associationId>eipassoc-0e0000000000000${String(addresses.indexOf(address) + 1)}</associationId></AssociateAddressResponse>`,
          );
        }
        default:
          return reply(
            400,
            `<Response><Errors><Error><Code>InvalidAction</Code><Message>${params.Action ?? '?'}</Message></Error></Errors><RequestID>r7</RequestID></Response>`,
          );
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, received, parameters });
    });
  });
}

function answerSsm(target: string, body: { Name: string; Value?: string }, parameters: Map<string, string>, response: ServerResponse): void {
  const json = (status: number, value: object): void => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(value));
  };
  if (target !== 'AmazonSSM.GetParameter') {
    parameters.set(body.Name, body.Value ?? '');
    json(200, { Version: 1, Tier: 'Standard' });
    return;
  }
  const value = parameters.get(body.Name);
  if (value === undefined) json(400, { __type: 'ParameterNotFound', message: `Parameter ${body.Name} not found.` });
  else json(200, { Parameter: { Name: body.Name, Value: value, Type: 'String', Version: 1 } });
}

function addressXml(address: EmulatedAddress): string {
  const association = address.networkInterfaceId
    ? `<associationId>eipassoc-1</associationId><networkInterfaceId>${address.networkInterfaceId}</networkInterfaceId><privateIpAddress>${address.privateIp ?? ''}</privateIpAddress><instanceId>${address.instanceId ?? ''}</instanceId>`
    : '';
  const tags = address.tags.map(([key, value]) => `<item><key>${key}</key><value>${value}</value></item>`).join('');
  return `<item><publicIp>${address.publicIp}</publicIp><allocationId>${address.allocationId}</allocationId><domain>vpc</domain>${association}<tagSet>${tags}</tagSet></item>`;
}

function instanceXml(node: (typeof NODES)[number]): string {
  return (
    `<item><instanceId>${node.instanceId}</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>${node.launched}</launchTime>` +
    '<tagSet><item><key>eks:cluster-name</key><value>financial-move</value></item><item><key>eks:nodegroup-name</key><value>prod-ng</value></item></tagSet>' +
    `<networkInterfaceSet><item><networkInterfaceId>${node.eni}</networkInterfaceId><privateIpAddress>${node.ip}</privateIpAddress><attachment><deviceIndex>0</deviceIndex></attachment>` +
    `<privateIpAddressesSet><item><privateIpAddress>${node.ip}</privateIpAddress><primary>true</primary></item></privateIpAddressesSet></item></networkInterfaceSet></item>`
  );
}

describe('eip-manager against AWS_ENDPOINT_URL', () => {
  const originalEnv = process.env;
  let aws: Awaited<ReturnType<typeof startAws>>;

  beforeEach(async () => {
    aws = await startAws(3);
    process.env = {
      ...originalEnv,
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'sa-east-1',
      EKS_PILOT_SPECS: FINANCIAL_MOVE,
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    resetAwsClients();
    captureLogLines();
  });

  afterEach(async () => {
    process.env = originalEnv;
    resetAwsClients();
    jest.restoreAllMocks();
    await new Promise((resolve) => aws.server.close(resolve));
  });

  it('fills the egress pool and reports the ingress pool the quota stopped, over signed EC2 query and SSM calls', async () => {
    // Act
    const response = answered(await handler(scheduleEvent, lambdaContext));

    // Assess
    const ec2Writes = aws.received.filter((request) => request.service === 'ec2' && !request.action.startsWith('Describe'));
    expect(ec2Writes.map((request) => request.action)).toEqual([
      'AllocateAddress',
      'AllocateAddress',
      'AssociateAddress',
      'AssociateAddress',
      'AllocateAddress',
      'AllocateAddress',
    ]);
    expect(ec2Writes[0]?.params).toMatchObject({
      Domain: 'vpc',
      'TagSpecification.1.ResourceType': 'elastic-ip',
      'TagSpecification.1.Tag.1.Key': 'eks-pilot/cluster',
      'TagSpecification.1.Tag.1.Value': 'financial-move',
      'TagSpecification.1.Tag.2.Key': 'eks-pilot/pool',
      'TagSpecification.1.Tag.2.Value': 'egress',
      'TagSpecification.1.Tag.3.Key': 'eks-pilot/claim',
    });
    expect(ec2Writes[2]?.params).toMatchObject({
      AllocationId: 'eipalloc-0e00000000000001',
      NetworkInterfaceId: 'eni-0000000000000000a',
      PrivateIpAddress: '10.0.0.10',
      AllowReassociation: 'false',
    });
    expect(
      aws.received.every((request) =>
        /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/sa-east-1\/(ec2|ssm|dynamodb)\/aws4_request/.test(request.authorization ?? ''),
      ),
    ).toBe(true);
    const [report] = response.reports;
    expect(report?.pools.map((pool) => [pool.pool, pool.status, pool.held, pool.attached, pool.missing])).toEqual([
      ['egress', 'Converged', 2, 2, 0],
      ['ingress', 'Blocked', 1, 0, 1],
    ]);
    expect(report?.blocked[0]?.reason).toMatch(
      /^pool ingress of financial-move lacks 1 of its 2 Elastic IP addresses: the Elastic IP quota in sa-east-1 is used up \(AddressLimitExceeded\)/,
    );
    expect(aws.parameters.get('/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress')).toBe(
      '{"publicIps":["203.0.113.1","203.0.113.2"],"allocationIds":["eipalloc-0e00000000000001","eipalloc-0e00000000000002"]}',
    );
    expect(aws.parameters.get('/eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress')).toBe(
      '{"publicIps":["203.0.113.3"],"allocationIds":["eipalloc-0e00000000000003"]}',
    );
  });

  it("makes no mutating EC2 or SSM call on the second run: it only takes and gives back the pools' leases", async () => {
    // Prepare
    aws.server.close();
    aws = await startAws(4);
    process.env.AWS_ENDPOINT_URL = aws.url;
    resetAwsClients();
    await handler(scheduleEvent, lambdaContext);
    aws.received.length = 0;

    // Act
    const response = answered(await handler(scheduleEvent, lambdaContext));

    // Assess
    expect(aws.received.map((request) => `${request.service} ${request.action}`).sort()).toEqual([
      'dynamodb DeleteItem',
      'dynamodb DeleteItem',
      'dynamodb PutItem',
      'dynamodb PutItem',
      'ec2 DescribeAddresses',
      'ec2 DescribeInstances',
      // Each pool's parameter, and the name before Region and stage were added (read, never written).
      'ssm GetParameter',
      'ssm GetParameter',
      'ssm GetParameter',
      'ssm GetParameter',
    ]);
    expect(response.reports[0]?.status).toBe('Converged');
  });
});
