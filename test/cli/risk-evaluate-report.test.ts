import { describe, expect, it } from 'vitest';
import { evaluationTitle } from '../../src/cli/risk-evaluate-command.js';
import { operatingPointJson, renderGeneratorReports, STATIC_TIES_NOTE } from '../../src/cli/risk-evaluate-report.js';
import { type GeneratorReport, renderEvaluationHtml } from '../../src/cli/risk-report-html.js';
import type { OperatingPoint } from '../../src/core/risk/holdout-evaluation.js';

function point(seed: string, misuse: number, recall: number): OperatingPoint {
  return {
    generator: 'risk-lab',
    seed,
    threshold: 40,
    requests: 1000,
    misuse,
    friction: 0.18,
    reviewShare: 0.2,
    recall,
    staticRecall: recall / 2,
    staticFriction: 0.2,
    patterns: misuse === 0 ? [] : [{ pattern: 'new-resource-burst', total: misuse, keycard: misuse * recall, static: 1.5 }],
    curve: Array.from({ length: 102 }, (_, th) => ({ threshold: th, friction: 1 - th / 101, recall, staticRecall: recall / 2 })),
    asConfigured: { reviewShare: 0.6, friction: 0.55, recall: misuse === 0 ? 0 : 1 },
  };
}

const report: GeneratorReport = {
  generator: 'risk-lab',
  threshold: 40,
  maxReviewShare: 0.15,
  calibrationSeeds: ['c1'],
  heldOut: [point('h1', 0, 0), point('h2', 10, 0.9)],
  calibrationMisses: null,
};

describe('two-generator evaluation output', () => {
  it('prints n/a, not 0.0%, for the recall of a held-out seed without misuse (text, JSON, HTML)', () => {
    const text = renderGeneratorReports([report]);
    expect(text.find((l) => l.trimStart().startsWith('h1'))).toMatch(/^\s+h1\s+1000\s+0\s+n\/a\s+18\.0%\s+n\/a\s/);
    expect(text.find((l) => l.trimStart().startsWith('h2'))).toMatch(/90\.0%\s+18\.0%\s+45\.0%/);
    expect(text).toContain(STATIC_TIES_NOTE);

    const [empty, full] = report.heldOut.map(operatingPointJson);
    expect(empty).toMatchObject({ recall: null, staticRecall: null, asConfigured: { recall: null } });
    expect(empty).not.toHaveProperty('curve');
    expect(full).toMatchObject({ recall: 0.9, staticRecall: 0.45, asConfigured: { recall: 1 } });

    const html = renderEvaluationHtml([report], evaluationTitle(['risk-lab']));
    expect(html).toContain('<td>h1</td><td>1000</td><td>0</td><td>n/a</td><td>18.0%</td><td>n/a</td>');
    // The calibrated point is the mean over the seed that has misuse, not dragged to 45% by the one without.
    expect(html).toContain('calibrated: 90.0% at 18.0%');
  });

  it('states the review share the threshold was calibrated to, as given (--max-review-share), in text and HTML', () => {
    expect(renderGeneratorReports([report])).toContain(
      'risk-lab: threshold 40 (calibrated on seeds c1 to send at most 15.0% of requests to a human)',
    );
    expect(renderEvaluationHtml([report], 'x')).toContain('calibrated on seeds c1 (at most 15.0% of requests to a human)');
  });

  it('titles the page after the generators evaluated', () => {
    expect(evaluationTitle(['risk-lab'])).toBe('Keycard risk evaluation: held-out seeds of the risk-lab generator');
    expect(evaluationTitle(['threat-model', 'risk-lab'])).toBe(
      'Keycard risk evaluation: held-out seeds of two generators (threat-model and risk-lab)',
    );
    expect(renderEvaluationHtml([report], evaluationTitle(['risk-lab']))).toContain(
      '<h1>Keycard risk evaluation: held-out seeds of the risk-lab generator</h1>',
    );
  });
});
