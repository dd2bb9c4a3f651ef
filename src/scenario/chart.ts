// The race as a self-contained HTML page with one inline SVG: time runs left to right, one lane per actor
// (planner, each enactor, the zone's live state per endpoint, the probe per endpoint and path). Every mark has
// a class naming its kind and result ("mark probe nodata", "mark write") and a <title> with the details, so
// the page can be read by eye and checked by a test.
import type { RaceSummary } from './race.js';
import type { TimelineEntry } from './timeline.js';

const LANE_HEIGHT = 26;
const LABEL_WIDTH = 440;
const PLOT_WIDTH = 900;

const COLORS: Record<string, string> = {
  answered: '#2e9d49',
  wrong: '#d98c00',
  nodata: '#d62728',
  nxdomain: '#d62728',
  servfail: '#7b1fa2',
  refused: '#7b1fa2',
  timeout: '#555',
  error: '#555',
  plan: '#1f77b4',
  write: '#2e9d49',
  reject: '#d62728',
  'stand-down': '#8c8c8c',
  fault: '#ff9f1c',
  cleanup: '#9467bd',
  'records-removed': '#000',
  'error-kind': '#8b0000',
  step: '#bbb',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function laneOf(entry: TimelineEntry): string {
  if (entry.kind === 'probe') return `probe ${entry.endpoint} via ${entry.path}`;
  if (entry.kind === 'zone') return `live ${entry.endpoint}`;
  if (entry.kind === 'step') return 'race';
  return entry.actor;
}

function describe(entry: TimelineEntry): string {
  const parts = [
    `t+${entry.at} ms`,
    entry.actor,
    entry.kind,
    entry.result,
    entry.generation !== undefined ? `gen ${entry.generation}` : undefined,
    entry.endpoint,
    entry.kind === 'zone' ? `${entry.sets} set(s)` : entry.detail,
  ];
  return parts.filter(Boolean).join(' · ');
}

function mark(entry: TimelineEntry, x: number, y: number): string {
  const title = `<title>${escapeXml(describe(entry))}</title>`;
  if (entry.kind === 'probe') {
    return `<rect class="mark probe ${escapeXml(entry.result ?? '')}" x="${x.toFixed(1)}" y="${y - 8}" width="3" height="16" fill="${COLORS[entry.result ?? 'error']}">${title}</rect>`;
  }
  if (entry.kind === 'zone') {
    const empty = entry.sets === 0;
    return `<g class="mark zone${empty ? ' empty' : ''}"><circle cx="${x.toFixed(1)}" cy="${y}" r="4" fill="${empty ? COLORS.nodata : COLORS.write}"/><text x="${(x + 6).toFixed(1)}" y="${y + 4}" font-size="11">${empty ? 'EMPTY' : `g${entry.generation}`}</text>${title}</g>`;
  }
  const color = COLORS[entry.kind === 'error' ? 'error-kind' : entry.kind] ?? '#333';
  const label =
    entry.kind === 'plan'
      ? `<text x="${(x - 4).toFixed(1)}" y="${y - 8}" font-size="10">${entry.generation}</text>`
      : '';
  return `<g class="mark ${entry.kind}"><circle cx="${x.toFixed(1)}" cy="${y}" r="${entry.kind === 'fault' || entry.kind === 'step' ? 3 : 5}" fill="${color}"/>${label}${title}</g>`;
}

export function renderChart(entries: readonly TimelineEntry[], summary: RaceSummary): string {
  const lanes: string[] = [];
  for (const entry of entries) {
    const lane = laneOf(entry);
    if (!lanes.includes(lane)) lanes.push(lane);
  }
  const order = (lane: string) =>
    ['race', 'planner'].indexOf(lane) + 1 || (lane.startsWith('enactor') ? 10 : lane.startsWith('live') ? 20 : 30);
  lanes.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const end = Math.max(1, ...entries.map((entry) => entry.at));
  const xOf = (at: number) => LABEL_WIDTH + (at / end) * PLOT_WIDTH;
  const yOf = (lane: string) => 30 + lanes.indexOf(lane) * LANE_HEIGHT;
  const height = 40 + lanes.length * LANE_HEIGHT;

  const rows = lanes.map(
    (lane) =>
      `<text x="4" y="${yOf(lane) + 4}" font-size="12">${escapeXml(lane)}</text><line x1="${LABEL_WIDTH}" x2="${LABEL_WIDTH + PLOT_WIDTH}" y1="${yOf(lane)}" y2="${yOf(lane)}" stroke="#eee"/>`,
  );
  const ticks = Array.from({ length: 6 }, (_, i) => Math.round((end * i) / 5)).map(
    (at) => `<text x="${xOf(at).toFixed(1)}" y="14" font-size="10" text-anchor="middle">${at} ms</text>`,
  );
  const marks = entries.map((entry) => mark(entry, xOf(entry.at), yOf(laneOf(entry))));
  const verdict =
    summary.emptyObservations > 0
      ? `The endpoint went EMPTY: ${summary.emptyObservations} probe observation(s) of the empty record, first at t+${summary.firstEmptyAt} ms.`
      : `The endpoint never went empty (0 empty observations)${summary.converged ? `, and converged to generation ${summary.latestGeneration}` : ', but did not converge'}.`;
  const facts = Object.entries(summary)
    .map(([key, value]) => `<tr><th>${escapeXml(key)}</th><td>${escapeXml(String(value))}</td></tr>`)
    .join('');
  const legend = [
    'answered',
    'nodata',
    'plan',
    'write',
    'reject',
    'stand-down',
    'fault',
    'cleanup',
    'records-removed',
    'error-kind',
  ]
    .map((key) => `<span><i style="background:${COLORS[key]}"></i>${key.replace('-kind', '')}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dnsplane race: ${escapeXml(summary.mode)}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:12px}th{text-align:left;padding-right:1em}
.legend span{margin-right:1em}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}.verdict{font-size:16px;font-weight:600}</style></head>
<body><h1>dnsplane race — ${escapeXml(summary.mode)} design</h1>
<p class="verdict" style="color:${summary.emptyObservations > 0 ? COLORS.nodata : COLORS.answered}">${escapeXml(verdict)}</p>
<p>Hover a mark for its details. Lanes: the race's steps, the planner's generations, each enactor's writes, rejections,
stand-downs, injected faults and cleanup, the live generation and record-set count of each endpoint as the zone
committed it, and every probe answer per endpoint and path.</p>
<p class="legend">${legend}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH + PLOT_WIDTH + 40}" height="${height}" font-family="system-ui,sans-serif">
${ticks.join('\n')}
${rows.join('\n')}
${marks.join('\n')}
</svg>
<table>${facts}</table>
</body></html>
`;
}
