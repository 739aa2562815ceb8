import type { OperatingPoint } from '../core/risk/holdout-evaluation.js';
import type { MissAnalysis } from '../core/risk/miss-analysis.js';

export interface GeneratorReport {
  generator: string;
  threshold: number;
  /** The share of calibration requests the threshold was chosen to send to a human at most (--max-review-share). */
  maxReviewShare: number;
  calibrationSeeds: string[];
  heldOut: OperatingPoint[];
  /** With --misses: which factors fired on missed misuse and on reviewed benign requests, on the calibration seeds. */
  calibrationMisses: MissAnalysis | null;
}

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One line of a recall/friction chart: recall (y) against friction (x), one point per threshold. */
export interface CurveSeries {
  label: string;
  color: string;
  dashed?: boolean;
  points: ReadonlyArray<{ friction: number; recall: number }>;
}

/** A marked operating point. */
export interface CurveMark {
  label: string;
  color: string;
  friction: number;
  recall: number;
}

/** Recall against friction for each series, the 20% target dashed, the marks labelled; axis titles as given. */
export function curveSvg(series: readonly CurveSeries[], marks: readonly CurveMark[], axes: { x: string; y: string }): string {
  const W = 460;
  const H = 300;
  const L = 48;
  const B = 36;
  const x = (f: number) => L + f * (W - L - 12);
  const y = (r: number) => H - B - r * (H - B - 12);
  const path = (s: CurveSeries) =>
    `<path d="${s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p.friction).toFixed(1)},${y(p.recall).toFixed(1)}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 2 : 2.5}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
  const grid = [0, 0.2, 0.4, 0.6, 0.8, 1]
    .map(
      (v) =>
        `<line x1="${x(0)}" x2="${x(1)}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v * 100}%</text><text x="${x(v)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${v * 100}%</text>`,
    )
    .join('');
  const points = marks
    .map(
      (m, i) =>
        `<circle cx="${x(m.friction)}" cy="${y(m.recall)}" r="5" fill="${m.color}" stroke="#fff"/><text x="${x(m.friction) + 8}" y="${y(m.recall) + 14 + i * 14}" font-size="11">${esc(m.label)}: ${pct(m.recall)} at ${pct(m.friction)}</text>`,
    )
    .join('');
  // Bottom right: the empty corner of any curve that beats chance.
  const legend = series
    .map(
      (s, i) =>
        `<text x="${x(0.62)}" y="${y(0.08) - (series.length - 1 - i) * 16}" font-size="12" fill="${s.color}">${esc(s.label)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(axes.y)} against ${esc(axes.x)}">
${grid}<line x1="${x(0.2)}" x2="${x(0.2)}" y1="${y(0)}" y2="${y(1)}" stroke="#c33" stroke-dasharray="4 3"/>
${[...series].reverse().map(path).join('')}
${points}
<text x="${(L + W) / 2}" y="${H - 4}" text-anchor="middle" font-size="12">${esc(axes.x)}</text>
<text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle" font-size="12">${esc(axes.y)}</text>
${legend}
</svg>`;
}

/** Mean of the seeds' curves, Keycard and static, with the calibrated point marked. */
function evaluationCurveSvg(points: OperatingPoint[]): string {
  // Recall is averaged over the seeds that have misuse to recall (a seed without any has none), friction over all.
  const withMisuse = points.filter((p) => p.misuse > 0);
  const avg = (over: OperatingPoint[], pick: (c: OperatingPoint['curve'][number]) => number) =>
    points[0]!.curve.map((_, i) => over.reduce((s, p) => s + pick(p.curve[i]!), 0) / Math.max(1, over.length));
  const fr = avg(points, (c) => c.friction);
  const kc = avg(withMisuse, (c) => c.recall);
  const st = avg(withMisuse, (c) => c.staticRecall);
  const op = {
    f: points.reduce((sum, p) => sum + p.friction, 0) / points.length,
    r: withMisuse.length === 0 ? null : withMisuse.reduce((sum, p) => sum + p.recall, 0) / withMisuse.length,
  };
  return curveSvg(
    [
      { label: 'Keycard', color: '#1a5fb4', points: fr.map((friction, i) => ({ friction, recall: kc[i]! })) },
      { label: 'static tiers', color: '#888', points: fr.map((friction, i) => ({ friction, recall: st[i]! })) },
    ],
    op.r === null ? [] : [{ label: 'calibrated', color: '#1a5fb4', friction: op.f, recall: op.r }],
    { x: 'benign friction (share of benign requests sent to a human)', y: 'misuse recall' },
  );
}

/** Recall per pattern (or kind of outcome) at an operating point: Keycard (blue) above static tiers (grey). */
export function barsSvg(rows: ReadonlyArray<{ name: string; total: number; keycard: number; static: number }>, label: string): string {
  const W = 460;
  const row = 34;
  const L = 190;
  const w = (v: number) => v * (W - L - 50);
  const bars = rows
    .map((e, i) => {
      const top = 10 + i * row;
      const k = e.keycard / Math.max(1, e.total);
      const s = e.static / Math.max(1, e.total);
      return `<text x="${L - 6}" y="${top + 15}" text-anchor="end" font-size="11">${esc(e.name)} (${e.total})</text>
<rect x="${L}" y="${top}" width="${w(k).toFixed(1)}" height="12" fill="#1a5fb4"/><text x="${L + w(k) + 4}" y="${top + 10}" font-size="10">${pct(k)}</text>
<rect x="${L}" y="${top + 13}" width="${w(s).toFixed(1)}" height="12" fill="#aaa"/><text x="${L + w(s) + 4}" y="${top + 23}" font-size="10">${pct(s)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${20 + rows.length * row}" role="img" aria-label="${esc(label)}">${bars}</svg>`;
}

/** Per-pattern recall at the calibrated point, Keycard and static, summed over held-out seeds. */
function evaluationBarsSvg(points: OperatingPoint[]): string {
  const by = new Map<string, { name: string; total: number; keycard: number; static: number }>();
  for (const p of points)
    for (const r of p.patterns) {
      const e = by.get(r.pattern) ?? { name: r.pattern, total: 0, keycard: 0, static: 0 };
      e.total += r.total;
      e.keycard += r.keycard;
      e.static += r.static;
      by.set(r.pattern, e);
    }
  return barsSvg([...by.values()], 'recall per misuse pattern');
}

/** The page shell: inline CSS only, nothing fetched, so the file opens anywhere. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}figure{margin:0 24px 12px 0}.row{display:flex;flex-wrap:wrap}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}figcaption{font-size:12px;color:#555;max-width:460px}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>
`;
}

/** A held-out seed's recall, "n/a" when it has no planted misuse to recall. */
const orNa = (p: OperatingPoint, recall: number) => (p.misuse === 0 ? 'n/a' : pct(recall));

function table(points: OperatingPoint[]): string {
  const rows = points
    .map(
      (p) =>
        `<tr><td>${esc(p.seed)}</td><td>${p.requests}</td><td>${p.misuse}</td><td>${orNa(p, p.recall)}</td><td>${pct(p.friction)}</td><td>${orNa(p, p.staticRecall)}</td><td>${pct(p.asConfigured.reviewShare)}</td></tr>`,
    )
    .join('');
  return `<table><tr><th>held-out seed</th><th>requests</th><th>misuse</th><th>Keycard recall</th><th>friction</th><th>static recall (same share)</th><th>example policy uncalibrated: to a human</th></tr>${rows}</table>`;
}

/** A self-contained page (inline SVG and CSS, nothing fetched) with the evaluation of each generator. */
export function renderEvaluationHtml(reports: GeneratorReport[], title: string): string {
  const sections = reports
    .map(
      (r) => `<section><h2>${esc(r.generator)} generator</h2>
<p>Threshold ${r.threshold} calibrated on seeds ${r.calibrationSeeds.map(esc).join(', ')} (at most ${pct(r.maxReviewShare)} of requests to a human); measured on held-out seeds ${r.heldOut.map((p) => esc(p.seed)).join(', ')}.</p>
<div class="row"><figure>${evaluationCurveSvg(r.heldOut)}<figcaption>Recall against friction over every threshold (mean of held-out seeds); dashed: the 20% friction target.</figcaption></figure>
<figure>${evaluationBarsSvg(r.heldOut)}<figcaption>Recall per misuse pattern at the calibrated threshold: Keycard (blue) and static tiers at the same review share (grey; requests tied at the boundary are each sent to a human with the same probability).</figcaption></figure></div>
${table(r.heldOut)}</section>`,
    )
    .join('\n');
  return htmlPage(title, sections);
}
