import type { Plugin } from 'esbuild';

import type { Training } from './code-cache-training.cjs';

/** How a packaged function's cache was made: after a training invocation, after its top level ran, from the compile only, or not at all. */
export type CacheMade = 'train' | 'run' | 'compile' | 'none';

/** How a training invocation ended, and the AWS calls it made (`json AmazonSSM.GetParameter`, `rest GET /clusters/kianax`). */
export interface TrainingReport {
  outcome: 'answered' | 'failed' | 'timed out';
  requests: string[];
}

/** The files of a packaged function, from the `.js` esbuild wrote. */
export interface PackagedFiles {
  /** What Lambda requires: the loader, at the path esbuild wrote the bundle to. */
  loader: string;
  /** The bundle, `<name>.bundle.js`. */
  bundle: string;
  /** Its V8 code cache, `<name>.bundle.js.v8cache` (absent when made is `none`). */
  cache: string;
}

/** The default of serverless.yml's `memorySize`. */
export declare const DEFAULT_MEMORY_SIZE: number;
/** The V8 flags Lambda's nodejs runtime starts Node with for a function of `memorySize` MB. */
export declare function lambdaV8Flags(memorySize: number): string[];
/** The packaged files of the bundle esbuild wrote at `output`. */
export declare function filesOf(output: string): PackagedFiles;
/** Moves the bundle beside its loader and makes its code cache with `v8Flags`. */
export declare function withCodeCache(
  output: string,
  options: { v8Flags: string[]; runtimeMajor?: number; node?: string; training?: Training; warn?: (message: string) => void },
): Promise<PackagedFiles & { cacheBytes: number; made: CacheMade; training?: TrainingReport }>;
/** The packaged loader's source for these file names. */
export declare function loaderSource(bundleName: string, cached?: { cacheName: string; digest: string; node: string }): string;
/** The memory sizes of the functions of a Serverless service built from `entry`. */
export declare function memorySizesOf(
  serverless: { service: { provider: { memorySize?: number }; functions?: Record<string, { handler?: string; memorySize?: number }> } },
  entry: string,
  serviceDir: string,
): number[];
/** The esbuild plugin giving each bundle its code cache and loader. */
export declare function codeCachePlugin(options: {
  memorySizeOf: (entry: string) => number;
  trainingOf?: (entry: string) => Training | undefined;
  runtimeMajor?: number;
  node?: string;
  warn?: (message: string) => void;
}): Plugin;
