/**
 * Spec parse cost against the number of keys in one map: a spec whose add-on carries
 * `configurationValues` of 1,000, 5,000 and 25,000 keys (the last just under the 256 KiB limit),
 * read from bytes to a validated spec with parseSpecFile, and the same spec with the map's last key
 * repeated (refused by the duplicate-key walk). Linear cost shows as a flat time per key.
 */
import { parseSpecFile } from '../../shared/model/cluster-spec/load';
import { scenarioMain } from '../child';
import type { Summary } from '../stats';
import { msSince, summarise } from '../stats';

export interface SpecParseInput {
  keys: number[];
  rounds: number;
}

export interface SpecParseCase {
  keys: number;
  bytes: number;
  /** parseSpecFile of the valid spec, ms per round. */
  accepted: Summary;
  /** parseSpecFile of the spec with a duplicate key at the end, ms per round. */
  refused: Summary;
  /** accepted.p50 / keys, in microseconds. */
  microsPerKey: number;
}

export interface SpecParseFigures {
  cases: SpecParseCase[];
}

const HEAD = [
  'apiVersion: eks-pilot/v1',
  'kind: Cluster',
  'name: bench',
  'region: us-east-1',
  'version: "1.33"',
  'roleArn: arn:aws:iam::123456789012:role/bench-cluster',
  'vpc:',
  '  subnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]',
  'addons:',
  '  - name: vpc-cni',
].join('\n');

function specBytes(keys: number, duplicate: boolean): Buffer {
  const pairs = Array.from({ length: keys }, (_, n) => `k${n.toString(36)}: 1`);
  if (duplicate) pairs.push('k0: 2');
  return Buffer.from(`${HEAD}\n    configurationValues: {${pairs.join(', ')}}\n`);
}

function time(bytes: Buffer, expectOk: boolean): number {
  const started = process.hrtime.bigint();
  const result = parseSpecFile(bytes, 'bench.yaml');
  const elapsed = msSince(started);
  if (result.ok !== expectOk)
    throw new Error(`expected the spec to be ${expectOk ? 'accepted' : 'refused'}: ${result.ok ? 'accepted' : JSON.stringify(result.issues.slice(0, 2))}`);
  return elapsed;
}

function main(input: SpecParseInput): SpecParseFigures {
  const cases = input.keys.map((keys): SpecParseCase => {
    const valid = specBytes(keys, false);
    const broken = specBytes(keys, true);
    time(valid, true); // warm-up (JIT)
    const accepted: number[] = [];
    const refused: number[] = [];
    for (let round = 0; round < input.rounds; round += 1) {
      accepted.push(time(valid, true));
      refused.push(time(broken, false));
    }
    const summary = summarise(accepted);
    return { keys, bytes: valid.length, accepted: summary, refused: summarise(refused), microsPerKey: (summary.p50 * 1000) / keys };
  });
  return { cases };
}

scenarioMain((input) => Promise.resolve(main(input as SpecParseInput)));
