/**
 * The AWS Regions a spec may name, by partition: the list the AWS SDK's endpoint rules carry
 * (`partitions.json` in @aws-sdk/core's util-endpoints), without its `*-global` pseudo-Regions.
 * Held as plain values so loading a spec loads no AWS code; a test checks it against the SDK's
 * copy, so an SDK upgrade that brings a new Region fails until it is added here.
 *
 * Source: AWS SDK for JavaScript v3, @aws-sdk/core 3.981.0, `partitionsInfo`; AWS General
 * Reference, "AWS Regions" (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html).
 * Read 2026-12-01.
 */
import { closest } from './closest';

export const AWS_REGIONS = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'me-west-1',
    'mx-central-1',
    'sa-east-1',
    'sa-west-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-eusc': ['eusc-de-east-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
} as const satisfies Record<string, readonly string[]>;

export type AwsPartition = keyof typeof AWS_REGIONS;

const PARTITION_OF = new Map<string, AwsPartition>(
  Object.entries(AWS_REGIONS).flatMap(([partition, regions]) => regions.map((region): [string, AwsPartition] => [region, partition as AwsPartition])),
);

/**
 * The partition of a Region this list knows, or undefined.
 *
 * @example
 * regionPartition('cn-north-1'); // 'aws-cn'
 * regionPartition('us-east-9'); // undefined
 */
export function regionPartition(region: string): AwsPartition | undefined {
  return PARTITION_OF.get(region);
}

/**
 * Why a spec's `region` is not one AWS has, or undefined; suggests the nearest name.
 *
 * @example
 * regionProblem('us-east-9'); // 'unknown AWS Region "us-east-9" (did you mean "us-east-1"?) ...'
 */
export function regionProblem(region: string): string | undefined {
  if (PARTITION_OF.has(region)) return undefined;
  const suggestion = closest(region, [...PARTITION_OF.keys()]);
  return `unknown AWS Region ${JSON.stringify(region.slice(0, 64))}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}: expected a Region such as sa-east-1, as the AWS SDK lists them`;
}
