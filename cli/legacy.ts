/**
 * The factory types `main` took before cli/deps.ts: the provision and eip-manager ports alone. Kept
 * so callers written against them (tests/functions/eip-manager/cli.test.ts) keep working.
 */
import type { EipDeps } from '../functions/eip-manager/run';
import type { ProvisionDeps } from '../functions/provision/run';

/** How the CLI reaches EKS; tests pass a fake. Loaded lazily so --offline never touches the SDK. */
export type DepsFactory = () => Promise<ProvisionDeps>;

/** How the CLI reaches EC2 for the pools' plan; tests pass a fake. Loaded lazily like {@link DepsFactory}. */
export type EipDepsFactory = () => Promise<EipDeps>;
