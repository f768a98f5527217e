/**
 * What the bench needs of serverless.yml: each function's handler file, the esbuild options
 * serverless-esbuild builds the production bundles with, and the deploy queue's batch size. Read
 * from the file itself, so a change there changes what the bench measures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { parse } from 'yaml';
import * as z from 'zod';
import { DEFAULT_MEMORY_SIZE } from '../scripts/esbuild/code-cache.cjs';

export const ROOT = path.resolve(__dirname, '..');

/** One function of serverless.yml and the file its handler lives in. */
export interface FunctionEntry {
  name: string;
  /** As written: `functions/provision/handler.handler`. */
  handler: string;
  /** Repository-relative source file: `functions/provision/handler.ts`. */
  entry: string;
  reservedConcurrency?: number;
  /** MB: its own `memorySize`, else the provider's, else the framework's default (1,024). */
  memorySize: number;
  /** `batchSize` of its SQS event source, when it has one. */
  sqsBatchSize?: number;
  /** `maximumConcurrency` of its SQS event source, when it sets one. */
  sqsMaximumConcurrency?: number;
}

export interface ServerlessConfig {
  runtime: string;
  functions: FunctionEntry[];
  /**
   * The options serverless-esbuild hands to esbuild's `build`, entry points and outdir aside; its
   * plugins hold no spec pre-validated (see {@link ServerlessConfig.pluginsFor}).
   */
  esbuild: BuildOptions;
  /** `custom.esbuild.plugins` for a function packaged with these spec files or folders (absolute). */
  pluginsFor(specPaths: readonly string[]): Plugin[];
}

const serverlessSchema = z.looseObject({
  provider: z.looseObject({ runtime: z.string(), memorySize: z.number().optional() }),
  custom: z.looseObject({ esbuild: z.record(z.string(), z.unknown()) }),
  functions: z.record(
    z.string(),
    z.looseObject({
      handler: z.string(),
      reservedConcurrency: z.number().optional(),
      memorySize: z.number().optional(),
      events: z.array(z.record(z.string(), z.unknown())).optional(),
    }),
  ),
});

// serverless-esbuild 1.x (dist/bundle.js) deletes these plugin-only keys before calling esbuild.
const PLUGIN_ONLY_KEYS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

// serverless-esbuild's DEFAULT_BUILD_OPTIONS that reach esbuild; `target` then comes from the runtime.
const PLUGIN_DEFAULTS = { bundle: true, target: 'node18', external: [] as string[], platform: 'node' } as const;

/**
 * Reads serverless.yml the way serverless-esbuild does for building: its defaults, then the
 * runtime's target (`nodejs22.x` -> `node22`), then `custom.esbuild`; `exclude` joins `external`.
 *
 * @example
 * const { functions, esbuild } = readServerlessConfig();
 * functions.map((fn) => fn.entry); // ['functions/provision/handler.ts', ...]
 */
export function readServerlessConfig(file = path.join(ROOT, 'serverless.yml')): ServerlessConfig {
  const parsed = serverlessSchema.parse(parse(readFileSync(file, 'utf8')));
  const runtime = parsed.provider.runtime;
  const custom = parsed.custom.esbuild;
  const runtimeTarget = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const merged: Record<string, unknown> = { ...PLUGIN_DEFAULTS, ...(runtimeTarget ? { target: `node${runtimeTarget}` } : {}), ...custom };
  const exclude = stringArray(custom.exclude ?? ['aws-sdk']);
  const external = [...stringArray(merged.external), ...(exclude.includes('*') ? [] : exclude)];
  for (const key of PLUGIN_ONLY_KEYS) Reflect.deleteProperty(merged, key);
  // Safe: the keys left are esbuild's own, as serverless-esbuild passes them on unchecked.
  const pluginsFor = (specPaths: readonly string[]): Plugin[] => pluginsOf(merged.plugins, path.dirname(file), specPaths);
  const esbuild = { ...merged, external, plugins: pluginsFor([]) } as BuildOptions;

  const functions = Object.entries(parsed.functions).map(([name, fn]): FunctionEntry => {
    const modulePath = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
    const entry = ['.ts', '.js', '.mjs', '.cjs'].map((extension) => `${modulePath}${extension}`).find((candidate) => existsSync(path.join(ROOT, candidate)));
    if (entry === undefined) throw new Error(`serverless.yml: no source file for the handler of ${name} (${fn.handler})`);
    const sqs = (fn.events ?? []).map((event) => event.sqs).find((source) => typeof source === 'object' && source !== null);
    const { batchSize, maximumConcurrency } = (sqs ?? {}) as { batchSize?: unknown; maximumConcurrency?: unknown };
    return {
      name,
      handler: fn.handler,
      entry,
      memorySize: fn.memorySize ?? parsed.provider.memorySize ?? DEFAULT_MEMORY_SIZE,
      ...(fn.reservedConcurrency === undefined ? {} : { reservedConcurrency: fn.reservedConcurrency }),
      ...(sqs === undefined ? {} : { sqsBatchSize: typeof batchSize === 'number' ? batchSize : 10 }),
      ...(typeof maximumConcurrency === 'number' ? { sqsMaximumConcurrency: maximumConcurrency } : {}),
    };
  });
  return { runtime, functions, esbuild, pluginsFor };
}

/** What the bench's fleet simulation needs of an SQS queue of serverless.yml's resources. */
export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  /** The redrive policy's maxReceiveCount. */
  maxReceiveCount: number;
}

const queueSchema = z.looseObject({
  resources: z.looseObject({
    Resources: z.record(
      z.string(),
      z.looseObject({
        Properties: z
          .looseObject({ VisibilityTimeout: z.number().optional(), RedrivePolicy: z.looseObject({ maxReceiveCount: z.number() }).optional() })
          .optional(),
      }),
    ),
  }),
});

/**
 * An SQS queue's visibility timeout and maxReceiveCount, as serverless.yml's resources declare them.
 *
 * @example
 * readQueueSettings('ProvisionFleetQueue'); // { visibilityTimeoutSeconds: 1800, maxReceiveCount: 3 }
 */
export function readQueueSettings(resource: string, file = path.join(ROOT, 'serverless.yml')): QueueSettings {
  const parsed = queueSchema.parse(parse(readFileSync(file, 'utf8')));
  const properties = parsed.resources.Resources[resource]?.Properties;
  const visibilityTimeoutSeconds = properties?.VisibilityTimeout;
  const maxReceiveCount = properties?.RedrivePolicy?.maxReceiveCount;
  if (visibilityTimeoutSeconds === undefined || maxReceiveCount === undefined) {
    throw new Error(`serverless.yml: ${resource} needs a VisibilityTimeout and a RedrivePolicy with maxReceiveCount`);
  }
  return { visibilityTimeoutSeconds, maxReceiveCount };
}

/**
 * `custom.esbuild.plugins` as serverless-esbuild reads it (dist/index.js, `get plugins`): a file,
 * relative to the service folder, exporting the plugins (or a function returning them: this
 * service's takes the spec paths the bundle holds pre-validated).
 */
function pluginsOf(setting: unknown, serviceDir: string, specPaths: readonly string[]): Plugin[] {
  if (setting === undefined) return [];
  if (typeof setting !== 'string') throw new Error('serverless.yml: custom.esbuild.plugins must name a file');
  const loaded: unknown = createRequire(path.join(serviceDir, 'package.json'))(path.join(serviceDir, setting));
  const plugins = typeof loaded === 'function' ? (loaded as (context: { specPaths: string[] }) => unknown)({ specPaths: [...specPaths] }) : loaded;
  if (!Array.isArray(plugins)) throw new Error(`serverless.yml: ${setting} must export an array of esbuild plugins`);
  // Safe: serverless-esbuild hands the same value to esbuild unchecked.
  return plugins as Plugin[];
}

function stringArray(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
