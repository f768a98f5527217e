/**
 * What provision found in the account for one cluster spec. Offline planning, and a cluster that
 * does not exist yet, both observe an empty account.
 */
export interface ObservedState {
  cluster: null;
}

export const EMPTY_ACCOUNT: ObservedState = Object.freeze({ cluster: null });
