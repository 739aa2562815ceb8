import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/core/commands/parse.js';
import type { Catalog } from '../../../src/core/commands/types.js';

// demo-k8s brings custom level names: a mistyped `view` is caught as surely as a mistyped `write`.
const catalog: Catalog = {
  resources: {
    'demo-db': { levels: ['read', 'write'] },
    'demo-logs': { levels: ['read'] },
    'demo-k8s': { levels: ['view', 'operator'] },
  },
  incidentKeyPattern: 'INC-[0-9]+',
};
const parse = (text: string) => parseCommand(text, catalog);

describe('the level position: a word there that is neither a level nor a duration', () => {
  // Ordinary first words of reasons, including real words one letter from a level name.
  it.each([
    'ready',
    'writes',
    'reading',
    'reads',
    'real',
    'head',
    'road',
    'dead',
    'rite',
    'wire',
    'rollback',
    'admins',
    'fix',
    'checking',
    'wrote',
    'white',
    'admit',
    'hotfix',
    'deploy',
    'debug',
    'views',
    'read,',
    's3',
    'h2',
    'ms',
    '-',
    'INC-42',
  ])('%j starts the reason', (word) => {
    const r = parse(`demo-db 30m ${word} the orders table`);
    expect(r.ok && r.command).toMatchObject({ kind: 'request', durationMs: 1_800_000, reason: `${word} the orders table` });
    expect(r.ok && r.command.kind === 'request' && r.command.level).toBeUndefined();
  });

  it.each([
    // Mistyped levels of the resource: a swap of two adjacent letters, or one letter changed in a 5+ letter name.
    [
      'demo-db 30m wirte fixing the stuck orders table now',
      /^"wirte" is not a level of demo-db \(levels: read, write\); did you mean "write"\? Name the level before the reason, e.g\. \/access demo-db 30m write …$/,
    ],
    ['demo-db 30m raed checking replication lag', /"raed" is not a level of demo-db .*did you mean "read"\?/],
    ['demo-db 30m writr fixing', /"writr" is not a level of demo-db .*did you mean "write"\?/],
    ['demo-db 30m WIRTE fixing', /"wirte" is not a level of demo-db/],
    ['demo-db wirte 30m fixing', /did you mean "write"\? Name the level before the reason, e\.g\. \/access demo-db write …$/],
    ['demo-k8s 10m veiw pods crashing', /"veiw" is not a level of demo-k8s \(levels: view, operator\); did you mean "view"\?/],
    ['demo-k8s 10m opertaor scale down', /did you mean "operator"\?/],
    // Mistyped names of levels other resources (or usual level names) have: named, with this resource's own.
    [
      'demo-db 30m amdin rotate keys',
      /^"amdin" looks like "admin", which is not a level of demo-db \(levels: read, write\)\. Name the level before the reason, e\.g\. \/access demo-db 30m read …$/,
    ],
    ['demo-db 30m admon rotate keys', /"admon" looks like "admin"/],
    ['demo-logs 30m wirte rotate logs', /"wirte" looks like "write", which is not a level of demo-logs \(levels: read\)/],
    ['demo-db 30m veiw the orders table', /"veiw" looks like "view", which is not a level of demo-db/],
    // Names of levels this resource does not offer.
    [
      'demo-db 30m superuser checking the orders table',
      /^demo-db has no "superuser" level \(levels: read, write\)\. Name the level before the reason/,
    ],
    ['demo-logs 30m admin rotate logs', /demo-logs has no "admin" level \(levels: read\)/],
    ['demo-logs 30m Write rotate logs', /demo-logs has no "write" level \(levels: read\)/],
    ['demo-logs 30m admin', /demo-logs has no "admin" level \(levels: read\)/],
    ['demo-db 30m operator fix', /demo-db has no "operator" level \(levels: read, write\)/],
    ['demo-db 30m rw fix', /demo-db has no "rw" level/],
    ['demo-db 30m read-only fix', /demo-db has no "read-only" level/],
  ])('%j is refused', (text, message) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it.each([
    ['demo-db 30m read wirte fixing', 'read', 'wirte fixing'],
    ['demo-db write 30m superuser queries pile up', 'write', 'superuser queries pile up'],
    ['demo-logs read admin console is down', 'read', 'admin console is down'],
  ])('%j: after an explicit level, every word is the reason', (text, level, reason) => {
    const r = parse(text);
    expect(r.ok && r.command).toMatchObject({ kind: 'request', level, reason });
  });
});

describe('the duration position: a token shaped like a duration must be one', () => {
  it.each([
    [
      'demo-db -5m read checking replication lag now',
      /^"-5m" is not a duration: a duration has no sign \(use e\.g\. 90s, 30m, 1h30m, 2h, 1d\)\.$/,
    ],
    ['demo-db +1h read checking', /"\+1h" is not a duration: a duration has no sign/],
    ['demo-db read -1 checking', /"-1" is not a duration: a duration has no sign/],
    ['demo-db .5h read checking', /^"\.5h" is not a duration \(use e\.g\./],
    ['demo-db m read checking', /^"m" is not a duration: a unit needs a number before it/],
    ['demo-db -H read checking', /"-H" is not a duration: a duration has no sign/],
    ['demo-db 30min read checking', /^"30min" is not a duration; did you mean 30m\?/],
    ['demo-db 5mins read checking', /"5mins" is not a duration; did you mean 5m\?/],
    ['demo-db 2Hours read checking', /"2Hours" is not a duration; did you mean 2h\?/],
    ['demo-db 2 hours checking', /^"2" is not a duration \(use e\.g\./],
    ['demo-db 0m read checking', /"0m" is not a duration/],
  ])('%j is refused', (text, message) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('keeps the duration as typed, for refusals that quote it', () => {
    const r = parse('demo-logs 99H read checking');
    expect(r.ok && r.command).toMatchObject({ durationMs: 99 * 3_600_000, durationText: '99h' });
  });

  it('reads a signed token after both duration and level as the reason', () => {
    const r = parse('demo-db 30m read -5m drift on the replica');
    expect(r.ok && r.command).toMatchObject({ reason: '-5m drift on the replica' });
  });
});
