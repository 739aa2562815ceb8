import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/keycard.js';
import { seededDataDir } from '../helpers/db.js';

function io(env: Record<string, string | undefined>, cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, cwd, stdin: process.stdin, stdoutIsTTY: false };
  return { io: value, out, err };
}

/** A report page opens without a network: inline SVG and CSS, nothing fetched, no script. */
function expectSelfContained(page: string) {
  expect(page).toMatch(/^<!doctype html>/);
  expect(page).toMatch(/<svg [^>]*role="img"/);
  expect(page).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(|@import/i);
  // The only URL is the SVG namespace name, which is never fetched.
  expect(page.match(/https?:\/\/[^"\s]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
}

describe('keycard risk calibrate / simulate / evaluate / review', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'kc-risk-'));
  const env = { KEYCARD_DATA_DIR: seededDataDir(join(cwd, 'data')), LOG_LEVEL: 'silent' };
  const small = ['--days', '14', '--requests', '600', '--seed', '5', '--warmup', '14', '--misuse-rate', '0.05', '--policy', 'sample'];
  const run = async (...argv: string[]) => {
    const h = io(env, cwd);
    const code = await runCli(['risk', ...argv], h.io);
    return { code, out: h.out.join('\n'), err: h.err.join('\n') };
  };

  it('simulates into a directory, then calibrates, evaluates and reviews from it', async () => {
    const simulated = await run('simulate', '--out', 'hist', ...small);
    expect(simulated.code, simulated.err).toBe(0);
    expect(simulated.out).toMatch(/^Generated seed 5: \d+ people in 8 teams/);
    for (const file of ['audit.jsonl', 'ground-truth.json', 'policy.yaml', 'summary.json'])
      expect(existsSync(join(cwd, 'hist', file))).toBe(true);
    expect(readFileSync(join(cwd, 'hist', 'audit.jsonl'), 'utf8')).not.toMatch(/misuse|campaign/);

    const json = await run('calibrate', '--from', 'hist', '--json');
    expect(json.code, json.err).toBe(0);
    const report = JSON.parse(json.out);
    expect(report.routing.proposed.reviewShare).toBeLessThanOrEqual(0.2);
    expect(report.tiers.map((t: { tier: string }) => t.tier)).toEqual(['low', 'medium', 'high', 'critical']);
    // The replay rebuilds each requester's habits, so the history-based factors are weighed too.
    const weighed = report.factors.map((f: { key: string }) => f.key);
    expect(weighed).toEqual(expect.arrayContaining(['factors.routineWork', 'factors.durationVsHabit']));

    const text = await run('calibrate', '--from', 'hist', '--max-review-share', '0.3', '--write', 'patch.yaml');
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/By tier \(as routed at the time\)/);
    expect(text.out).toMatch(/Target: at most 30\.0% of requests need a human/);
    expect(text.err).toContain('wrote the proposed policy patch to patch.yaml');
    // The hint to use --write is for runs without it.
    expect(text.out).not.toContain('Use --write FILE');
    expect((await run('calibrate', '--from', 'hist')).out).toMatch(/Nothing was changed\. Use --write FILE for a policy patch/);
    expect(readFileSync(join(cwd, 'patch.yaml'), 'utf8')).toMatch(/^# Keycard risk calibration: proposed policy changes/);

    // The picture: on a generated history its ground truth labels the curves (calibration never reads it) ...
    const pictured = await run('calibrate', '--from', 'hist', '--html', 'calibration.html');
    expect(pictured.code, pictured.err).toBe(0);
    expect(pictured.err).toContain('wrote calibration.html (recall of the planted misuse');
    const page = readFileSync(join(cwd, 'calibration.html'), 'utf8');
    expectSelfContained(page);
    expect(page).toContain('misuse recall');
    expect(page).toMatch(/as configured: \d+\.\d% at \d+\.\d%/);
    expect(page).toMatch(/proposed: \d+\.\d% at \d+\.\d%/);
    for (const pattern of JSON.parse(readFileSync(join(cwd, 'hist', 'ground-truth.json'), 'utf8')).misuse.map(
      (m: { type: string }) => m.type,
    ))
      expect(page).toContain(`${pattern} (`);
    expect(page).toContain(`<td>${(report.routing.proposed.reviewShare * 100).toFixed(1)}%</td>`);
    // ... and without one, the bad outcomes calibration weighs.
    mkdirSync(join(cwd, 'audit-only'));
    copyFileSync(join(cwd, 'hist', 'audit.jsonl'), join(cwd, 'audit-only', 'audit.jsonl'));
    copyFileSync(join(cwd, 'hist', 'policy.yaml'), join(cwd, 'audit-only', 'policy.yaml'));
    const outcomes = await run('calibrate', '--from', 'audit-only', '--html', 'outcomes.html');
    expect(outcomes.code, outcomes.err).toBe(0);
    const outcomesPage = readFileSync(join(cwd, 'outcomes.html'), 'utf8');
    expectSelfContained(outcomesPage);
    expect(outcomesPage).toContain('bad outcomes sent to a human');
    expect(outcomesPage).toContain('denied (');
    expect(outcomesPage).not.toContain('misuse recall');
    const noFile = await run('calibrate', '--from', 'hist', '--html');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain('--html needs a file name');

    const evaluated = await run('evaluate', '--from', 'hist', '--json');
    expect(evaluated.code, evaluated.err).toBe(0);
    const fromDir = JSON.parse(evaluated.out);
    expect(fromDir.atEqualShare.map((r: { name: string }) => r.name)).toEqual([
      'keycard-calibrated',
      'keycard-policy-weights',
      'static-tiers',
    ]);
    // Generating in memory with the same seed gives the same history, so the same evaluation.
    const inMemory = await run('evaluate', ...small, '--json');
    expect(inMemory.code, inMemory.err).toBe(0);
    expect({ ...JSON.parse(inMemory.out), heading: '' }).toEqual({ ...fromDir, heading: '' });
    const table = await run('evaluate', '--from', 'hist');
    expect(table.out).toMatch(/At equal review share/);
    expect(table.out).toMatch(/benign requests to a human/);

    const key = /"incidentKey":"(INC-\d+)"/.exec(readFileSync(join(cwd, 'hist', 'audit.jsonl'), 'utf8'))![1]!;
    const reviewed = await run('review', '--incident', key, '--from', 'hist');
    expect(reviewed.code, reviewed.err).toBe(0);
    expect(reviewed.out).toMatch(new RegExp(`^${key}: \\d+ request\\(s\\)`));
    const reviewJson = JSON.parse((await run('review', '--incident', key, '--from', 'hist', '--json')).out);
    const linked = readFileSync(join(cwd, 'hist', 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"action":"request.submitted"') && line.includes(`"incidentKey":"${key}"`));
    expect(reviewJson.grants.map((g: { ref: string }) => g.ref)).toEqual(linked.map((line) => JSON.parse(line).details.ref));
    expect((await run('review', '--incident', 'INC-1', '--from', 'hist')).code).toBe(1);
    // A key the policy's incidents.keyPattern cannot match is refused as risk explain refuses it.
    const notKey = await run('review', '--incident', 'foo', '--from', 'hist');
    expect(notKey.code).toBe(2);
    expect(notKey.err).toMatch(/^keycard risk: --incident foo is not an incident key \(incidents\.keyPattern: .+\)/);
    expect(notKey.out).toBe('');

    // risk approvers previews the weekly report: its text, its period (risk.approverReport.period) and thresholds.
    const approvers = await run('approvers', '--from', 'hist');
    expect(approvers.code, approvers.err).toBe(0);
    expect(approvers.out).toMatch(/^Approver report, \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d \(7d\): \d+ approver\(s\), \d+ flagged/);
  });

  it('refuses wrong command lines with the usage', async () => {
    expect((await run('simulate', '--days', '3')).code).toBe(2);
    expect((await run('simulate', '--out', 'x', '--database')).code).toBe(2);
    const share = await run('calibrate', '--max-review-share', '2');
    expect(share.code).toBe(2);
    expect(share.err).toContain('--max-review-share must be a share between 0 and 1');
    expect((await run('review')).err).toContain('--incident KEY is required');
    expect((await run('approvers', '--since', '0d')).err).toContain('--since must be a duration longer than zero, such as 7d (got "0d")');
    expect((await run('evaluate', '--holdout', 'soon')).code).toBe(2);
    expect((await run('evaluate', '--database', '--policy', 'sample')).err).toContain(
      '--database uses the configured policy; --policy goes with --from or --seed',
    );
    expect((await run('frob')).err).toContain('unknown risk command "frob"');
    // Output files are checked before any work: a long evaluation must not end in ENOENT.
    expect((await run('evaluate', '--seed', '7', '--html', 'x.html')).err).toContain(
      '--html belongs to the two-generator evaluation (risk evaluate without --seed, --from or --database)',
    );
    const lost = await run('evaluate', '--html', 'no-such-folder/report.html');
    expect(lost.code).toBe(2);
    expect(lost.err).toContain(`--html no-such-folder/report.html: the folder ${join(cwd, 'no-such-folder')} does not exist`);
    expect(lost.err).not.toContain('threat-model: calibration seed');
    const folder = await run('calibrate', '--from', 'nowhere', '--write', '.');
    expect(folder.code).toBe(2);
    expect(folder.err).toContain('--write . is a folder');
    expect((await run('calibrate', '--write')).err).toContain('--write needs a file name');
    const who = await run('explain', '--as', 'nobody', 'demo-db');
    expect(who.code).toBe(2);
    expect(who.err).toContain('--as must be an e-mail address (got "nobody")');
    const help = await run('--help');
    for (const sub of ['explain', 'calibrate', 'simulate', 'evaluate', 'review']) expect(help.out).toContain(`keycard risk ${sub}`);
  });

  it('evaluates held-out seeds of a generator and, with --misses, analyses misses on the calibration seeds only', async () => {
    const policyDir = join(import.meta.dirname, '../..');
    const tiny = [
      '--generators',
      'threat-model',
      '--people',
      '40',
      '--days',
      '10',
      '--policy',
      join(policyDir, 'manifests/policy.example.yaml'),
    ];
    const h = io(env, policyDir);
    expect(await runCli(['risk', 'evaluate', ...tiny, '--seeds', 'h1', '--misses', '--json'], h.io)).toBe(0);
    const [report] = JSON.parse(h.out.join('\n'));
    expect(report.heldOut.map((p: { seed: string }) => p.seed)).toEqual(['h1']);
    const m = report.calibrationMisses;
    expect(m.threshold).toBe(report.threshold);
    expect(m.benign).toBeGreaterThan(m.benignReviewed);
    expect(m.benignFactors[0].factor).toBe('sensitivity');
    // Counted on c1-c4 (the default calibration seeds), never on the held-out seed.
    const calibrationMisuse = m.patterns.reduce((n: number, p: { total: number }) => n + p.total, 0);
    expect(calibrationMisuse).toBeGreaterThan(0);
    for (const p of m.patterns) expect(p.missed).toBeLessThanOrEqual(p.total);
    const text = io(env, policyDir);
    expect(await runCli(['risk', 'evaluate', ...tiny, '--seeds', 'h1', '--misses'], text.io)).toBe(0);
    expect(text.out.join('\n')).toMatch(/misses on the calibration seeds c1, c2, c3, c4 at threshold \d+/);
    const pictured = io(env, cwd);
    const page = join(cwd, 'evaluation.html');
    expect(await runCli(['risk', 'evaluate', ...tiny, '--seeds', 'h1', '--html', page], pictured.io)).toBe(0);
    const html = readFileSync(page, 'utf8');
    expectSelfContained(html);
    expect(html).toContain('threat-model generator');
    expect(html).toMatch(/calibrated: \d+\.\d% at \d+\.\d%/);
    expect(html).toContain('recall per misuse pattern');
    const plain = io(env, policyDir);
    expect(await runCli(['risk', 'evaluate', ...tiny, '--seeds', 'h1', '--json'], plain.io)).toBe(0);
    expect(JSON.parse(plain.out.join('\n'))[0].calibrationMisses).toBeNull();
    expect((await run('evaluate', '--generators', 'threat-model', '--seeds', 'c1')).err).toContain('held-out seeds must differ');
  }, 120_000);

  it('explain scores with the weights in the policy file, calibrated ones included', async () => {
    const calibrated = parse(readFileSync(join(import.meta.dirname, '../../manifests/policy.example.yaml'), 'utf8'));
    calibrated.risk.factors.firstAccess = 33;
    calibrated.tiers.low.upTo = 45;
    writeFileSync(join(cwd, 'calibrated.yaml'), stringify(calibrated));
    const h = io({ ...env, KEYCARD_POLICY: join(cwd, 'calibrated.yaml') }, cwd);
    expect(await runCli(['risk', 'explain', '--as', 'nobody@example.com', 'demo-logs', '--at', '2026-11-24T10:00:00+01:00'], h.io)).toBe(0);
    const text = h.out.join('\n');
    expect(text).toMatch(/\+33\s+first-access\s+first access to demo-logs/);
    expect(text).toMatch(/score → tier low \(0–45\)/);
    expect(text).toMatch(/Weights in use \(policy risk\.\*\): .*firstAccess \+33/);
    // --policy FILE does the same without KEYCARD_POLICY, as the other risk commands take it.
    const flagged = io(env, cwd);
    const withFlag = ['risk', 'explain', '--as', 'nobody@example.com', 'demo-logs', '--at', '2026-11-24T10:00:00+01:00'];
    expect(await runCli([...withFlag, '--policy', 'calibrated.yaml'], flagged.io), flagged.err.join('\n')).toBe(0);
    expect(flagged.out.join('\n')).toBe(text);
    // A duration the resource does not allow is refused, as a submission would be, instead of being scored.
    const long = io({ ...env, KEYCARD_POLICY: join(cwd, 'calibrated.yaml') }, cwd);
    expect(await runCli(['risk', 'explain', '--as', 'nobody@example.com', 'demo-db', '99h'], long.io)).toBe(1);
    expect(long.err.join('\n')).toContain("99h is longer than demo-db's maximum of 4h");
    expect(long.out).toEqual([]);
    // --incident links a key as /access --incident does; a stray word says where the reason goes.
    const cited = io({ ...env, KEYCARD_POLICY: join(cwd, 'calibrated.yaml') }, cwd);
    const args = ['risk', 'explain', '--as', 'nobody@example.com', 'demo-db', '30m', '--incident', 'inc-77', '--reason', 'fix it'];
    expect(await runCli(args, cited.io)).toBe(0);
    expect(cited.out.join('\n')).toMatch(/incident-unverified\s+cites INC-77; not known to be responding/);
    expect(cited.out.join('\n')).toMatch(/weak-reason\s+vague reason \("fix it"\); INC-77 vouches only for its responders/);
    const stray = io({ ...env, KEYCARD_POLICY: join(cwd, 'calibrated.yaml') }, cwd);
    expect(await runCli(['risk', 'explain', '--as', 'nobody@example.com', 'demo-db', '30m', 'read', 'checking'], stray.io)).toBe(2);
    expect(stray.err.join('\n')).toContain('unexpected argument "checking" (give the reason with --reason "…")');
  });
});
