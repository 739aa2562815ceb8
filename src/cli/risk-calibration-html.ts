import type { CalibrationReport, RoutingCheck } from '../core/risk/calibrate.js';
import type { CalibrationPicture } from '../core/risk/calibration-picture.js';
import { barsSvg, curveSvg, esc, htmlPage, pct } from './risk-report-html.js';

const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

function routingTable(report: CalibrationReport): string {
  const row = (name: string, r: RoutingCheck) =>
    `<tr><td style="text-align:left">${esc(name)}</td><td>${r.upTo.low}</td><td>${r.upTo.medium}</td><td>${r.upTo.high}</td><td>${pct(r.reviewShare)}</td><td>${pct(r.badRouted)}</td></tr>`;
  return `<table><tr><th>routing</th><th>low up to</th><th>medium up to</th><th>high up to</th><th>requests to a human</th><th>bad outcomes to a human</th></tr>
${row('the policy as it is', report.routing.current)}${row('its weights, bounds at the target', report.routing.currentWeightsAtTarget)}${row('proposed weights and bounds', report.routing.proposed)}</table>`;
}

function weightTable(report: CalibrationReport): string {
  const changed = Object.entries(report.proposal.weights);
  if (changed.length === 0) return '<p>No weight changes are proposed.</p>';
  const fit = 'skipped' in report.weights ? [] : report.weights.proposals;
  const rows = changed
    .map(([key, value]) => {
      const p = fit.find((f) => f.key === key);
      return `<tr><td style="text-align:left">${esc(key)}</td><td>${p ? p.current : ''}</td><td>${value}</td><td>${p ? p.support : ''}</td><td style="text-align:left">${p ? esc(p.note) : ''}</td></tr>`;
    })
    .join('');
  return `<table><tr><th>weight</th><th>now</th><th>proposed</th><th>requests it counted in</th><th>why</th></tr>${rows}</table>`;
}

/**
 * The calibration as a self-contained page (inline SVG and CSS, nothing fetched): the curves for the
 * current and proposed weights against static tiers, both operating points, what reaches a human per
 * pattern or kind of outcome, and the routing and weight changes the report proposes.
 */
export function renderCalibrationHtml(report: CalibrationReport, picture: CalibrationPicture, title: string): string {
  const misuse = picture.labels === 'misuse';
  const axes = misuse
    ? { x: 'benign friction (share of benign requests sent to a human)', y: 'misuse recall' }
    : { x: 'share of the other requests sent to a human', y: 'bad outcomes sent to a human' };
  const { current, proposed } = picture;
  const curve = curveSvg(
    [
      { label: 'proposed weights', color: '#1a5fb4', points: proposed.curve },
      { label: 'current weights', color: '#62a0ea', dashed: true, points: current.curve },
      {
        label: 'static tiers',
        color: '#888',
        points: proposed.curve.map((c) => ({ friction: c.friction, recall: c.staticRecall })),
      },
    ],
    [
      { label: 'as configured', color: '#62a0ea', friction: current.friction, recall: current.recall },
      { label: 'proposed', color: '#1a5fb4', friction: proposed.friction, recall: proposed.recall },
    ],
    axes,
  );
  const bars = barsSvg(
    proposed.patterns.map((p) => ({ name: p.pattern, total: p.total, keycard: p.keycard, static: p.static })),
    misuse ? 'recall per misuse pattern' : 'bad outcomes to a human per kind',
  );
  const labelled = misuse
    ? `${proposed.misuse} of them planted misuse (the generated history's ground truth, read only to draw these curves; calibration never reads it)`
    : `${proposed.misuse} of them with a bad outcome (denied, an anomaly during the grant, or revoked for cause), the outcomes calibration weighs`;
  const body = `<p>${report.requests.toLocaleString('en-US')} access requests from ${esc(day(report.window.since))} to ${esc(day(report.window.until))} UTC,
${esc(labelled)}. Target: at most ${pct(report.maxReviewShare)} of requests need a human.</p>
<div class="row"><figure>${curve}<figcaption>${esc(axes.y)} against ${esc(axes.x)}, over every score threshold, for the policy's weights (dashed) and the proposed ones; static per-resource tiers at the same review share in grey; dashed red: 20%. The points mark the lowest score a human reviews under the current and the proposed tier bounds (the auto-approval cap included).</figcaption></figure>
<figure>${bars}<figcaption>${esc(misuse ? 'Recall per misuse pattern' : 'Bad outcomes sent to a human, per kind')} at the proposed operating point: Keycard (blue) and static tiers at the same review share (grey).</figcaption></figure></div>
<h2>Routing (as calibration computes it, incident relief included)</h2>${routingTable(report)}
<h2>Proposed weights</h2>${weightTable(report)}
${report.notes.length > 0 ? `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}`;
  return htmlPage(title, body);
}
