import type { Plugin } from 'esbuild';

export declare function lazyBuiltinsPlugin(options?: { builtins?: readonly string[] }): Plugin;
export declare function exportKind(name: string, value: unknown): 'function' | 'value';
export declare function exportsOf(builtin: string): [string, 'function' | 'value'][];
export declare const LAZY_BUILTINS: readonly string[];
