import type { Script } from 'node:vm';

/** The CommonJS wrapper around a bundle's source. */
export declare const WRAPPER_HEAD: string;
export declare const WRAPPER_TAIL: string;
/** Compiles a bundle as a CommonJS module, with `cachedData` when given. */
export declare function compileBundle(file: string, source: string, cachedData?: Buffer): Script;
/** Runs a compiled bundle's top level into `target`. */
export declare function runBundle(script: Script, file: string, target: { exports: unknown }, load: NodeJS.Require): void;
/** The SHA-256 (hex) of a bundle's bytes and its cache's. */
export declare function digestOf(bundle: Buffer, cache: Buffer): string;
/** A bundle's bytes as its source: latin1 when all ASCII (the same string, copied), else UTF-8. */
export declare function sourceOf(bundle: Buffer): string;
/** Loads a bundle into `target` with its cache; answers why the cache was not used, if it was not. */
export declare function loadBundle(
  target: { exports: unknown },
  load: NodeJS.Require,
  files: { bundle: string; cache?: string; digest?: string; node?: string },
): string | undefined;
