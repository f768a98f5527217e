/**
 * The narrow EC2 Auto Scaling capability provision works against: the tags of the Auto Scaling
 * groups EKS creates for managed node groups, where Cluster Autoscaler reads its auto-discovery and
 * node-template tags (EKS does not copy a node group's labels, taints or tags to its group). The
 * SDK adapter in shared/adapters/aws/autoscaling.ts is the only implementation that talks to AWS;
 * tests use the fake in testing/fake-autoscaling.ts.
 *
 * Reads return an empty list for "not found". Writes take the SDK's own request shapes, so a plan's
 * request is sent as printed; CreateOrUpdateTags and DeleteTags are idempotent in Auto Scaling
 * itself (a tag set to the value it has, a key that is gone), so there is no "already done" answer.
 * Auto Scaling's refusals become the typed errors of shared/errors.ts, each with the SDK error as
 * `cause` and the Auto Scaling error code in `context.code`.
 */
import type { AutoScalingGroup, CreateOrUpdateTagsCommandInput, DeleteTagsCommandInput } from '@aws-sdk/client-auto-scaling';

/** Every mutating Auto Scaling call provision makes, keyed by API action, with the SDK's request type. */
export type AutoScalingWrite =
  { kind: 'CreateOrUpdateTags'; request: CreateOrUpdateTagsCommandInput } | { kind: 'DeleteTags'; request: DeleteTagsCommandInput };

export type AutoScalingWriteKind = AutoScalingWrite['kind'];

export interface AutoScalingReads {
  /** The groups of these names that exist, tags included, all pages; a name Auto Scaling does not know is absent. */
  describeAutoScalingGroups(names: readonly string[]): Promise<AutoScalingGroup[]>;
}

export interface AutoScalingWrites {
  execute(write: AutoScalingWrite): Promise<Record<string, never>>;
}

export type AutoScalingPort = AutoScalingReads & AutoScalingWrites;

/** The read actions of the port, named as Auto Scaling names them (in CloudTrail and in error messages). */
export type AutoScalingReadName = 'DescribeAutoScalingGroups';
