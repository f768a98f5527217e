/** A function's code cache training run: the event it is invoked with once at packaging, and its settings. */
export interface Training {
  event: string;
  env: Record<string, string>;
}

export declare const TRAINING: Readonly<Record<string, { event: string; env?: Record<string, string> }>>;
export declare function trainingOf(entry: string, serviceDir: string, specPaths: readonly string[]): Training | undefined;
