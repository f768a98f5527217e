import { AMITypes, AuthenticationMode, CapacityTypes, LogType, ResolveConflicts, TaintEffect } from '@aws-sdk/client-eks';
import { AMI_TYPES, AUTHENTICATION_MODES, CAPACITY_TYPES, LOG_TYPES, RESOLVE_CONFLICTS, TAINT_EFFECTS } from '../../../../shared/model/cluster-spec/eks-enums';

describe("the spec's EKS enumerations", () => {
  it.each([
    ['AMITypes', AMI_TYPES, AMITypes],
    ['AuthenticationMode', AUTHENTICATION_MODES, AuthenticationMode],
    ['CapacityTypes', CAPACITY_TYPES, CapacityTypes],
    ['LogType', LOG_TYPES, LogType],
    ['ResolveConflicts', RESOLVE_CONFLICTS, ResolveConflicts],
    ['TaintEffect', TAINT_EFFECTS, TaintEffect],
  ])("hold exactly the values of the EKS SDK model's %s", (_name, ours, sdk) => {
    expect([...ours].sort()).toEqual(Object.values(sdk).sort());
  });
});
