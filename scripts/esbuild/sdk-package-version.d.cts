import type { Plugin } from 'esbuild';

export declare function sdkPackageVersionPlugin(): Plugin;
export declare function versionOnly(text: string): string;
export declare const SDK_PACKAGE_JSON: RegExp;
