import type { Metafile, Plugin } from 'esbuild';

/** The function entries the plugin defers by default: `functions/**\/handler.ts`. */
export declare const HANDLER_ENTRY: RegExp;
/** The namespace of a real handler's bundle inside its stub. */
export declare const INNER: string;
/** The metafile of a real handler's inner build, once a build with the plugin has bundled it. */
export declare function innerMetafile(file: string): Metafile | undefined;
/** The stub that stands for a handler entry: loads the real handler once, on the first invocation. */
export declare function lazyHandlerStub(file: string): string;
/** The esbuild plugin that defers each function's handler module to its first invocation. */
export declare function lazyHandlerPlugin(options?: { entries?: RegExp }): Plugin;
