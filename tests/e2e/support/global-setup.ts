/**
 * Once per `npm run test:e2e`: moto must be there, the examples are copied for moto, and the
 * functions are packaged with `serverless package` as a user packages them.
 */
import { invokeLocallyWithOtherSpecs, packageFunctions } from './package';
import { MOTO_GAPS, writeE2eSpecs } from './specs';
import { requireMoto } from './moto';

export default function globalSetup(): void {
  requireMoto();
  writeE2eSpecs();
  const started = Date.now();
  invokeLocallyWithOtherSpecs();
  packageFunctions();
  process.stdout.write(
    `\ne2e: ran an invoke local with examples/kianax, then packaged the five functions with serverless package, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  process.stdout.write(`e2e: what moto lacks, and the project's fakes cover instead:\n${MOTO_GAPS.map((gap) => `  - ${gap}`).join('\n')}\n`);
}
