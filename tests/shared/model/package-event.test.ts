import webhooks from '@octokit/webhooks-examples';
import { parsePackageEvent } from '../../../shared/model/package-event';

/** GitHub's own example `package` payloads (@octokit/webhooks-examples). */
function packageExamples(): Record<string, unknown>[] {
  const entry = webhooks.find((item) => item.name === 'package');
  if (entry === undefined) throw new Error('@octokit/webhooks-examples has no package examples');
  return entry.examples as Record<string, unknown>[];
}

/** The container example, as a registry_package event of a tagged index (deep copy). */
function registryPackage(tag: string, digest: string, action = 'published'): Record<string, unknown> {
  const example = structuredClone(packageExamples()[1]) as Record<string, unknown> & { package: Record<string, Record<string, Record<string, unknown>>> };
  const pkg = example.package;
  delete (example as Record<string, unknown>).package;
  const version = pkg.package_version as Record<string, unknown> & { container_metadata: Record<string, Record<string, unknown>> };
  version.version = digest;
  version.package_url = `ghcr.io/Codertocat/hello-world:${tag}`;
  version.container_metadata.tag = { name: tag, digest };
  return { ...example, action, registry_package: pkg };
}

const DIGEST = `sha256:${'a1'.repeat(32)}`;

describe('parsePackageEvent', () => {
  it("ignores GitHub's example container push, whose tag is empty (a platform manifest)", () => {
    // Prepare
    const payload = packageExamples()[1];

    // Act
    const result = parsePackageEvent('package', payload);

    // Assess
    expect(result).toEqual({ kind: 'ignored', reason: 'untagged manifest (a platform manifest of a multi-arch push): the tagged index deploys instead' });
  });

  it("ignores GitHub's example npm package", () => {
    // Prepare
    const payload = packageExamples()[0];

    // Act
    const result = parsePackageEvent('package', payload);

    // Assess
    expect(result).toEqual({ kind: 'ignored', reason: 'package hello-world-npm is a npm package, not a container image' });
  });

  it('reads a tagged push: lower-case repository from package_url, the tag and the index digest', () => {
    // Prepare
    const payload = registryPackage('v1.2.3', DIGEST);

    // Act
    const result = parsePackageEvent('registry_package', payload);

    // Assess
    expect(result).toEqual({
      kind: 'push',
      push: {
        event: 'registry_package',
        action: 'published',
        repository: 'ghcr.io/codertocat/hello-world',
        tag: 'v1.2.3',
        digest: DIGEST,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        source: { repository: 'Codertocat/hello-world-npm', revision: '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b' },
      },
    });
  });

  it("takes the pushing repository from the payload's repository and the commit from the image's revision label", () => {
    // Prepare: GitHub's example sends the OCI labels under all_labels, with labels.revision empty
    const payload = registryPackage('v1.2.3', DIGEST);
    const labels = (payload.registry_package as { package_version: { container_metadata: { labels: Record<string, unknown> } } }).package_version
      .container_metadata.labels;
    const withoutRepository = { ...payload, repository: undefined };
    const fromLabel = structuredClone(withoutRepository);
    const noLabels = structuredClone(withoutRepository) as typeof payload;
    (noLabels.registry_package as { package_version: { container_metadata: Record<string, unknown> } }).package_version.container_metadata.labels = {};

    // Act
    const sources = [payload, fromLabel, noLabels].map((item) => {
      const result = parsePackageEvent('registry_package', item);
      return result.kind === 'push' ? result.push.source : 'ignored';
    });

    // Assess
    expect(labels.revision).toBe('');
    expect(sources).toEqual([
      { repository: 'Codertocat/hello-world-npm', revision: '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b' },
      { repository: 'Codertocat/hello-world', revision: '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b' },
      undefined,
    ]);
  });

  it('reads an updated action like a published one', () => {
    // Prepare
    const payload = registryPackage('v1.2.3', DIGEST, 'updated');

    // Act
    const result = parsePackageEvent('registry_package', payload);

    // Assess
    expect(result.kind === 'push' && result.push.action).toBe('updated');
  });

  it.each([
    ['a deleted action', { action: 'deleted' }, 'action "deleted" of registry_package is not handled (only published, updated)'],
    ['no package object', { action: 'published' }, 'the registry_package event has no "registry_package" object'],
  ])('ignores %s', (_what, payload, reason) => {
    // Prepare: the table

    // Act
    const result = parsePackageEvent('registry_package', payload);

    // Assess
    expect(result).toEqual({ kind: 'ignored', reason });
  });

  it("ignores a tag without a sha256 digest to pin (GitHub's example digest is 40 hex digits)", () => {
    // Prepare
    const payload = registryPackage('v1.2.3', 'sha256:6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b');

    // Act
    const result = parsePackageEvent('registry_package', payload);

    // Assess
    expect(result).toEqual({ kind: 'ignored', reason: 'tag v1.2.3 comes without a sha256 digest to pin' });
  });
});
