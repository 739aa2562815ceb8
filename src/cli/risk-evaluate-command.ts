import { checkFlags, flagString, type ParsedArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { DEFAULT_SIZE, GENERATORS, type GeneratorName } from './risk-evaluate-histories.js';
import { evaluateGenerators, operatingPointJson, renderGeneratorReports } from './risk-evaluate-report.js';
import { checkOutputFile, numberFlag, riskFlags, riskPolicy, shareFlag, writeOutputFile } from './risk-flags.js';
import { renderEvaluationHtml } from './risk-report-html.js';
import { RISK_USAGE } from './risk-usage.js';

function listFlag(args: ParsedArgs, name: string, fallback: string[]): string[] {
  const text = flagString(args, name);
  if (text === undefined) return fallback;
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new UsageError(`--${name} needs a comma-separated list`, RISK_USAGE);
  return list;
}

/** Both generators, calibration seeds apart from held-out seeds (issue #19's honest evaluation). */
export async function evaluateAcrossGenerators(io: CliIo, args: ParsedArgs): Promise<number> {
  checkFlags(
    args,
    riskFlags(
      'generators',
      'calibration-seeds',
      'seeds',
      'people',
      'requests',
      'days',
      'max-review-share',
      'policy',
      'html',
      'json',
      'misses',
    ),
    RISK_USAGE,
    1,
  );
  const html = flagString(args, 'html');
  const generators = listFlag(args, 'generators', [...GENERATORS]);
  for (const g of generators)
    if (!(GENERATORS as readonly string[]).includes(g))
      throw new UsageError(`unknown generator "${g}" (use ${GENERATORS.join(', ')})`, RISK_USAGE);
  const calibrationSeeds = listFlag(args, 'calibration-seeds', ['c1', 'c2', 'c3', 'c4']);
  const heldOutSeeds = listFlag(args, 'seeds', ['h1', 'h2', 'h3']);
  const shared = heldOutSeeds.filter((s) => calibrationSeeds.includes(s));
  if (shared.length > 0)
    throw new UsageError(`held-out seeds must differ from calibration seeds (both have ${shared.join(', ')})`, RISK_USAGE);
  const whole = (n: number) => Number.isInteger(n) && n > 0;
  const size = {
    people: numberFlag(args, 'people', DEFAULT_SIZE.people, (n) => whole(n) && n >= 20 && n <= 20_000, 'a whole number from 20'),
    requests: numberFlag(args, 'requests', DEFAULT_SIZE.requests, (n) => whole(n) && n <= 5_000_000, 'a whole number'),
    days: numberFlag(args, 'days', DEFAULT_SIZE.days, (n) => whole(n) && n >= 7 && n <= 365, 'a whole number of days from 7'),
  };
  await checkOutputFile(io, 'html', html);
  const { policy } = await riskPolicy(io, args);
  const reports = evaluateGenerators(policy, {
    generators: generators as GeneratorName[],
    calibrationSeeds,
    heldOutSeeds,
    maxReviewShare: shareFlag(args),
    misses: args.flags.has('misses'),
    size,
    progress: (line) => io.err(line),
  });
  if (html) {
    await writeOutputFile(io, 'html', html, renderEvaluationHtml(reports, evaluationTitle(generators)));
    io.err(`wrote ${html}`);
  }
  if (args.flags.has('json'))
    io.out(
      JSON.stringify(
        reports.map((r) => ({ ...r, heldOut: r.heldOut.map(operatingPointJson) })),
        null,
        2,
      ),
    );
  else for (const line of renderGeneratorReports(reports)) io.out(line);
  return 0;
}

/** The page title, naming the generators evaluated ("two generators" only when there were two). */
export function evaluationTitle(generators: readonly string[]): string {
  const names = generators.join(' and ');
  return `Keycard risk evaluation: held-out seeds of ${generators.length === 1 ? `the ${names} generator` : `${generators.length === 2 ? 'two' : generators.length} generators (${names})`}`;
}
