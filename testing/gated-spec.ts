/**
 * The crypto-oms example with a gate on its `prod` environment, written to a temporary folder (the
 * spec and a copy of its manifests), for the tests of approvals and freeze windows.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CRYPTO_OMS } from './deploy-events';

const GHCR_OMS = path.dirname(CRYPTO_OMS);

/** A gated copy of crypto-oms: `file` is its spec; `remove` deletes the folder. */
export interface GatedSpec {
  file: string;
  remove(): void;
}

/**
 * Writes crypto-oms (the GHCR fixture, tests/fixtures/ghcr-oms) with `environments` set to `gate` (YAML lines under `environments:`).
 *
 * @example
 * const spec = gatedCryptoOms(['  - name: prod', '    approval: required']);
 * // ... loadSpecs([spec.file]) ...
 * spec.remove();
 */
export function gatedCryptoOms(gate: readonly string[]): GatedSpec {
  const dir = mkdtempSync(path.join(tmpdir(), 'gated-spec-'));
  cpSync(path.join(GHCR_OMS, 'manifests'), path.join(dir, 'manifests'), { recursive: true });
  const text = readFileSync(path.join(GHCR_OMS, 'cluster.yaml'), 'utf8');
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(file, `${text.trimEnd()}\nenvironments:\n${gate.join('\n')}\n`);
  return {
    file,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
