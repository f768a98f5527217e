/**
 * The typed errors of deploy. Each names the workload and cluster in its context and keeps the
 * Kubernetes layer's error as `cause`; none carries a manifest body (a manifest may be a Secret).
 */
import { EksPilotError, InvalidEventError } from '../../../shared/errors';

/** An object of the rendering could not be applied; `context.object` names it (`Deployment shop/web`). */
export class ApplyError extends EksPilotError {
  override name = 'ApplyError';
}

/** A queue message that is not one deploy sends; it is dropped (retrying cannot fix it) and logged. */
export class InvalidMessageError extends EksPilotError {
  override name = 'InvalidMessageError';
}

/** An invoke or message for a workload whose spec or manifests are broken: retrying cannot fix the bundle. */
export class BrokenWorkloadError extends InvalidEventError {
  override name = 'BrokenWorkloadError';
}
