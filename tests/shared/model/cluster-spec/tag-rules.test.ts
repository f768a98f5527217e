import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fleetOf } from '../../../../functions/deploy/model/targets';
import { loadSpecs, parseSpec } from '../../../../shared/model/cluster-spec/load';
import { globMatches, re2Problem, regexMatches } from '../../../../shared/model/cluster-spec/tag-match';
import { globProblem, globToRegex, isOciTag, regexProblem } from '../../../../shared/model/cluster-spec/tag-rules';

const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');

function withRule(rule: string): string {
  return `${STARTER}\nworkloads:\n  - name: web\n    manifests: manifests\n    images:\n      - repository: ghcr.io/acme/web\n        tags: [${rule}]\n`;
}

/** Milliseconds a call takes. */
function timed<T>(act: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const result = act();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

describe('tag rules at spec load', () => {
  it.each(['(a+)+', '(\\d*)*', '(.*a){12}', '^(\\w+\\s?)*$'])('refuses the regex %s as catastrophic backtracking', (regex) => {
    expect(regexProblem(regex)).toMatch(/^nests a repetition inside a repetition/);
  });

  it.each(['release-\\d+', 'v\\d+\\.\\d+\\.\\d+', 'main-[0-9a-f]{7}', '(stable|latest)'])('accepts the regex %s', (regex) => {
    expect(regexProblem(regex)).toBeUndefined();
  });

  it('refuses (a+)+ in a spec with file:line:column and the field', () => {
    // Prepare
    const text = withRule('{ regex: "(a+)+" }');

    // Act
    const result = parseSpec(text, 'cluster.yaml');

    // Assess
    expect(result.ok).toBe(false);
    const line = text.split('\n').findIndex((row) => row.includes('(a+)+')) + 1;
    expect(!result.ok && result.issues).toEqual([
      {
        file: 'cluster.yaml',
        line,
        column: 25,
        path: 'workloads[0].images[0].tags[0].regex',
        message:
          'nests a repetition inside a repetition (as in (a+)+) or repeats more than 25 times: such a pattern can backtrack catastrophically; write it flat, e.g. a+',
      },
    ]);
  });

  it.each([
    ['feature/*', 'a tag glob takes letters, digits, _ . - and the wildcards * ? [...] {a,b}'],
    ['v[0-9', 'the [ at character 2 does not close'],
    ['{a,{b,c}}', 'braces do not nest in a tag glob'],
    ['a}', 'the } at character 2 opens nowhere'],
  ])('refuses the glob %s', (glob, message) => {
    expect(globProblem(glob)).toBe(message);
  });

  it('bounds the tag as the OCI distribution spec does: 128 characters of [A-Za-z0-9_.-], not starting with . or -', () => {
    expect([isOciTag('a'.repeat(128)), isOciTag('a'.repeat(129)), isOciTag('.hidden'), isOciTag('v1.2.3-rc_1')]).toEqual([true, false, false, true]);
  });
});

describe('tag matching in linear time', () => {
  it.each([
    ['main-*', 'main-4f2a9c1', true],
    ['main-*', 'feature-main-1', false],
    ['v?.*', 'v1.2.3', true],
    ['v[0-9].*', 'vx.1', false],
    ['[!x]*', 'x1', false],
    ['{release,hotfix}-*', 'hotfix-3', true],
    ['v1.2', 'v1x2', false],
  ])('matches the glob %s against %s: %s', (glob, tag, expected) => {
    expect(globMatches(glob, tag)).toBe(expected);
  });

  it('translates a glob to an unanchored RE2 group, dots and dashes escaped', () => {
    expect(globToRegex('v{1,2}.*-rc?')).toBe('(?:v(?:1|2)\\..*\\-rc.)');
  });

  it.each([
    ['regex', '(a|a)*', () => regexMatches('(a|a)*', `${'a'.repeat(127)}!`)],
    ['regex', '\\d*\\d*\\d*\\d*\\d*x', () => regexMatches('\\d*\\d*\\d*\\d*\\d*x', `${'1'.repeat(127)}!`)],
    ['glob', '*a*a*a*a*a*b', () => globMatches('*a*a*a*a*a*b', `${'a'.repeat(127)}c`)],
  ])('answers the %s %s on a hostile 128-character tag at once (a backtracking engine takes seconds to minutes)', (_kind, _pattern, act) => {
    // Act
    const [matched, ms] = timed(act);

    // Assess: a generous hang guard, not a timing claim
    expect(matched).toBe(false);
    expect(ms).toBeLessThan(1000);
  });

  it('matches nothing for a tag over 128 characters, whatever the rule', () => {
    expect([regexMatches('.*', 'a'.repeat(129)), globMatches('*', 'a'.repeat(129)), regexMatches('.*', 'a'.repeat(128))]).toEqual([false, false, true]);
  });

  it('says why RE2 refuses a regex JavaScript takes', () => {
    expect(re2Problem('v(?=1)')).toMatch(/^RE2 does not take it \(error parsing regexp: invalid or unsupported Perl syntax: `\(\?=`\)/);
    expect(re2Problem('release-\\d+')).toBeUndefined();
  });
});

describe('tag rules when deploy reads the workloads', () => {
  it('makes a workload whose regex RE2 refuses broken, naming the spec file, line, column and field', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'tag-rules-'));
    const file = path.join(dir, 'cluster.yaml');
    const text = withRule('{ regex: "v(?=1)\\\\d+" }');
    writeFileSync(file, text);
    mkdirSync(path.join(dir, 'manifests'));
    writeFileSync(
      path.join(dir, 'manifests', 'web.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: web }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: "ghcr.io/acme/web:v1" }] }\n',
    );

    // Act
    const { targets, broken } = await fleetOf(await loadSpecs([file]));

    // Assess
    const line = text.split('\n').findIndex((row) => row.includes('(?=1)')) + 1;
    expect(targets).toEqual([]);
    expect(broken.map((item) => item.reason)).toEqual([
      expect.stringMatching(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}:25 workloads\\[0\\]\\.images\\[0\\]\\.tags\\[0\\]\\.regex: RE2 does not take it`),
      ),
    ]);
  });
});
