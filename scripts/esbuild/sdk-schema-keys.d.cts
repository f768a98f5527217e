import type { Plugin } from 'esbuild';

/** The SDK's generated schema modules, in a client's or nested client's ES build. */
export declare const SCHEMA_FILE: RegExp;
/** Rewrites the computed keys of one generated schema module as string literals. */
export declare function inlineSchemaTraitKeys(source: string): { contents: string; replaced: number };
/** The esbuild plugin applying {@link inlineSchemaTraitKeys} to every SDK schema module. */
export declare function sdkSchemaKeysPlugin(): Plugin;
