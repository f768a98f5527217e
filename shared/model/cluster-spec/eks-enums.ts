/**
 * The EKS API's enumerations the spec takes, as plain values: the schema (and so every bundle and
 * the offline CLI) needs no EKS client to load. tests/shared/model/cluster-spec/eks-enums.test.ts compares each
 * list with the EKS SDK model's, so an SDK upgrade that adds a value fails the suite until it is here.
 */
export const AMI_TYPES = [
  'AL2023_ARM_64_NVIDIA',
  'AL2023_ARM_64_STANDARD',
  'AL2023_x86_64_NEURON',
  'AL2023_x86_64_NVIDIA',
  'AL2023_x86_64_STANDARD',
  'AL2_ARM_64',
  'AL2_x86_64',
  'AL2_x86_64_GPU',
  'BOTTLEROCKET_ARM_64',
  'BOTTLEROCKET_ARM_64_FIPS',
  'BOTTLEROCKET_ARM_64_NVIDIA',
  'BOTTLEROCKET_ARM_64_NVIDIA_FIPS',
  'BOTTLEROCKET_x86_64',
  'BOTTLEROCKET_x86_64_FIPS',
  'BOTTLEROCKET_x86_64_NVIDIA',
  'BOTTLEROCKET_x86_64_NVIDIA_FIPS',
  'CUSTOM',
  'WINDOWS_CORE_2019_x86_64',
  'WINDOWS_CORE_2022_x86_64',
  'WINDOWS_CORE_2025_x86_64',
  'WINDOWS_FULL_2019_x86_64',
  'WINDOWS_FULL_2022_x86_64',
  'WINDOWS_FULL_2025_x86_64',
] as const;
export const AUTHENTICATION_MODES = ['API', 'API_AND_CONFIG_MAP', 'CONFIG_MAP'] as const;
export const CAPACITY_TYPES = ['CAPACITY_BLOCK', 'ON_DEMAND', 'SPOT'] as const;
export const LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;
export const RESOLVE_CONFLICTS = ['NONE', 'OVERWRITE', 'PRESERVE'] as const;
export const TAINT_EFFECTS = ['NO_EXECUTE', 'NO_SCHEDULE', 'PREFER_NO_SCHEDULE'] as const;
