import type { Policy } from '../core/policy/schema.js';
import { calibrateThreshold, measure, type OperatingPoint, scoreHistory } from '../core/risk/holdout-evaluation.js';
import { analyseMisses, type FactorCounts } from '../core/risk/miss-analysis.js';
import { type GenerationSize, type GeneratorName, generateHistory } from './risk-evaluate-histories.js';
import type { GeneratorReport } from './risk-report-html.js';

export interface MultiEvaluationOptions {
  generators: GeneratorName[];
  calibrationSeeds: string[];
  heldOutSeeds: string[];
  maxReviewShare: number;
  /** Analyse misses on the calibration seeds (never on the held-out ones). */
  misses: boolean;
  size: GenerationSize;
  progress: (line: string) => void;
}

/**
 * For each generator: score its calibration seeds, set the threshold so that at most the target
 * share of requests goes to a human there (no labels read), then measure on held-out seeds that
 * calibration never saw. Labels are read only to count recall.
 */
export function evaluateGenerators(base: Policy, options: MultiEvaluationOptions): GeneratorReport[] {
  return options.generators.map((generator) => {
    const calibration = options.calibrationSeeds.map((seed) => {
      options.progress(`  ${generator}: calibration seed ${seed}`);
      return scoreHistory(generateHistory(generator, seed, base, options.size));
    });
    const threshold = calibrateThreshold(calibration, options.maxReviewShare);
    const heldOut = options.heldOutSeeds.map((seed) => {
      options.progress(`  ${generator}: held-out seed ${seed}`);
      return measure(scoreHistory(generateHistory(generator, seed, base, options.size)), threshold);
    });
    const calibrationMisses = options.misses ? analyseMisses(calibration, threshold) : null;
    return {
      generator,
      threshold,
      maxReviewShare: options.maxReviewShare,
      calibrationSeeds: options.calibrationSeeds,
      heldOut,
      calibrationMisses,
    };
  });
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`).padStart(6);

/** Recall of a held-out seed, null when it has no planted misuse (0% would claim every misuse was missed). */
export function recallOf(p: OperatingPoint): { recall: number | null; staticRecall: number | null } {
  return p.misuse === 0 ? { recall: null, staticRecall: null } : { recall: p.recall, staticRecall: p.staticRecall };
}

/** An operating point as --json gives it: without the curve, and recall null where there is no misuse. */
export function operatingPointJson(p: OperatingPoint) {
  const { curve: _curve, ...rest } = p;
  const missing = p.misuse === 0;
  return { ...rest, ...recallOf(p), asConfigured: { ...p.asConfigured, recall: missing ? null : p.asConfigured.recall } };
}

/** Static tiers rank in a few coarse steps, so reaching the same share splits a tie; said under every report. */
export const STATIC_TIES_NOTE =
  'Static tiers at the same share: requests tied at the boundary are each sent to a human with the same probability (expected counts).';

/** The report as text: per seed, then per pattern over all held-out seeds, with the static baseline. */
export function renderGeneratorReports(reports: GeneratorReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(
      `${r.generator}: threshold ${r.threshold} (calibrated on seeds ${r.calibrationSeeds.join(', ')} to send at most ${pct(r.maxReviewShare).trim()} of requests to a human)`,
    );
    lines.push('  seed      requests  misuse  recall  friction  static recall  uncalibrated to-human');
    for (const p of r.heldOut) {
      const { recall, staticRecall } = recallOf(p);
      lines.push(
        `  ${p.seed.padEnd(8)}  ${String(p.requests).padStart(8)}  ${String(p.misuse).padStart(6)}  ${pct(recall)}  ${pct(p.friction)}    ${pct(staticRecall)}         ${pct(p.asConfigured.reviewShare)}`,
      );
    }
    const by = new Map<string, { total: number; keycard: number; static: number }>();
    for (const p of r.heldOut)
      for (const x of p.patterns) {
        const e = by.get(x.pattern) ?? { total: 0, keycard: 0, static: 0 };
        e.total += x.total;
        e.keycard += x.keycard;
        e.static += x.static;
        by.set(x.pattern, e);
      }
    lines.push('  pattern                          n  Keycard  static');
    for (const [name, e] of by)
      lines.push(`  ${name.padEnd(30)} ${String(e.total).padStart(4)}  ${pct(e.keycard / e.total)}  ${pct(e.static / e.total)}`);
    if (r.calibrationMisses) lines.push(...renderMisses(r.calibrationMisses, r.calibrationSeeds));
    lines.push('');
  }
  if (reports.length > 0) lines.push(STATIC_TIES_NOTE);
  return lines;
}

const listed = (factors: FactorCounts, max = 8) =>
  factors.length === 0
    ? '-'
    : factors
        .slice(0, max)
        .map((f) => `${f.factor} ${f.requests}`)
        .join(', ');

/** --misses: what fired on missed misuse per pattern, and what the reviewed benign requests carry (calibration seeds). */
function renderMisses(m: NonNullable<GeneratorReport['calibrationMisses']>, seeds: string[]): string[] {
  const lines = [`  misses on the calibration seeds ${seeds.join(', ')} at threshold ${m.threshold} (factors that fired, by requests):`];
  for (const p of m.patterns) {
    lines.push(`    ${p.pattern}: ${p.missed} of ${p.total} missed`);
    if (p.missed > 0) lines.push(`      missed: ${listed(p.missedFactors)}`);
    lines.push(`      caught: ${listed(p.caughtFactors)}`);
  }
  lines.push(`    benign to a human: ${m.benignReviewed} of ${m.benign}: ${listed(m.benignFactors, 12)}`);
  return lines;
}
