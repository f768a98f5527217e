/**
 * What `serverless package` ships, read from the zips the suite packaged right after an
 * `invoke local` with another specs folder (tests/e2e/support/global-setup.ts): each zip holds its
 * bundle and the configured specs only, each file once; the manifests, Secrets among them, go to
 * the two deploy functions alone.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { FunctionName } from './support/package';
import { zipEntries } from './support/package';
import { E2E_EXAMPLES, ROOT, SPECS_FOLDER } from './support/specs';

const specs = E2E_EXAMPLES.map((example) => `${SPECS_FOLDER}/${example}.yaml`).sort();
const manifests = E2E_EXAMPLES.flatMap((example) =>
  readdirSync(path.join(ROOT, SPECS_FOLDER, example, 'manifests')).map((file) => `${SPECS_FOLDER}/${example}/manifests/${file}`),
).sort();

describe.each<[FunctionName, string]>([
  ['provision', 'functions/provision/handler.js'],
  ['eip-manager', 'functions/eip-manager/handler.js'],
  ['scale-watch', 'functions/scale-watch/handler.js'],
])('the %s zip', (name, bundle) => {
  it('holds its bundle and the specs, each once, and no manifest', () => {
    expect(zipEntries(name).sort()).toEqual([bundle, ...specs].sort());
  });
});

describe.each<[FunctionName, string]>([
  ['deploy-webhook', 'functions/deploy/webhook/handler.js'],
  ['deploy-worker', 'functions/deploy/worker/handler.js'],
])('the %s zip', (name, bundle) => {
  it('holds its bundle, the specs and their manifests, each once, and nothing an earlier invoke local staged', () => {
    const entries = zipEntries(name);

    expect(entries.filter((entry) => !entry.endsWith('/')).sort()).toEqual([bundle, ...specs, ...manifests].sort());
    expect(entries.filter((entry) => entry.includes('examples/'))).toEqual([]);
  });
});
