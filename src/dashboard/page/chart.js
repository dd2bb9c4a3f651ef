// The probe timeline of one endpoint as SVG: one lane per probe path (authority, resolver), runs of equal
// results drawn as coloured bars, and above them the marks: plan generations, writes that landed, fence
// conflicts, guard refusals, and the legacy cleanup removing records. Built with createElementNS and
// textContent only, so no endpoint name or error text is ever parsed as markup.
const SVG = 'http://www.w3.org/2000/svg';
const LANE_HEIGHT = 26;
const TOP = 30; // room for the marks
const LEFT = 74; // room for the lane labels
const AXIS = 18;

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function titled(node, text) {
  node.appendChild(el('title', {}, text));
  return node;
}

const clock = (at) => new Date(at).toLocaleTimeString([], { hour12: false });
/** Tenths of a second on the axis when the chart spans under a minute (a race lasts seconds). */
const tick = (at, span) => (span < 60_000 ? `${clock(at)}.${Math.floor((at % 1000) / 100)}` : clock(at));

/** Consecutive observations with one result become one run, from its first observation to the next run's. */
export function runsOf(observations, to) {
  const runs = [];
  for (const observation of observations) {
    const last = runs[runs.length - 1];
    if (last && last.result === observation.result) {
      last.count += 1;
      last.lastAt = observation.at;
      continue;
    }
    if (last) last.to = observation.at;
    runs.push({ result: observation.result, from: observation.at, to, lastAt: observation.at, count: 1 });
  }
  return runs;
}

/**
 * Draws into `svg` (emptied first). `observations` are this endpoint's, oldest first; `marks` those that
 * concern it (zone-wide marks included). Returns nothing; the DOM is the result.
 */
export function drawTimeline(svg, { observations, marks, from, to, width }) {
  svg.replaceChildren();
  const paths = ['authority', 'resolver'].filter((path) =>
    observations.some((observation) => observation.path === path),
  );
  const height = TOP + Math.max(1, paths.length) * LANE_HEIGHT + AXIS;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  const span = Math.max(1, to - from);
  const x = (at) => LEFT + ((at - from) / span) * (width - LEFT - 6);

  paths.forEach((path, lane) => {
    const y = TOP + lane * LANE_HEIGHT;
    svg.appendChild(el('text', { x: 4, y: y + 17, class: 'lane-label' }, path));
    const mine = observations.filter((observation) => observation.path === path);
    for (const run of runsOf(mine, to)) {
      const x1 = x(Math.max(run.from, from));
      const x2 = Math.max(x1 + 2, x(run.to));
      const rect = el('rect', {
        x: x1.toFixed(1),
        y: y + 3,
        width: (x2 - x1).toFixed(1),
        height: LANE_HEIGHT - 6,
        class: `seg result-${run.result}`,
        'data-result': run.result,
        'data-path': path,
      });
      svg.appendChild(titled(rect, `${path}: ${run.result} × ${run.count}, ${clock(run.from)} – ${clock(run.lastAt)}`));
    }
  });

  const bottom = TOP + Math.max(1, paths.length) * LANE_HEIGHT;
  const axis = el('g', { class: 'axis' });
  axis.appendChild(el('line', { x1: LEFT, y1: bottom, x2: width - 6, y2: bottom }));
  const ticks = Math.max(2, Math.floor((width - LEFT) / 120));
  for (let i = 0; i <= ticks; i += 1) {
    const at = from + (span * i) / ticks;
    axis.appendChild(
      el(
        'text',
        { x: x(at), y: bottom + 13, 'text-anchor': i === 0 ? 'start' : i === ticks ? 'end' : 'middle' },
        tick(at, span),
      ),
    );
  }
  svg.appendChild(axis);

  let lastLabelX = -Infinity;
  let lastAlarmX = -Infinity;
  for (const mark of marks) {
    if (mark.at < from || mark.at > to) continue;
    const mx = x(mark.at);
    const description = `${mark.kind}${mark.generation !== undefined ? ` g${mark.generation}` : ''}${mark.enactor ? ` by ${mark.enactor}` : ''} at ${clock(mark.at)}${mark.detail ? `: ${mark.detail}` : ''}`;
    const group = titled(
      el('g', {
        class: `mark mark-${mark.kind}`,
        'data-kind': mark.kind,
        ...(mark.generation !== undefined ? { 'data-generation': mark.generation } : {}),
      }),
      description,
    );
    switch (mark.kind) {
      case 'plan':
        group.appendChild(el('line', { x1: mx, y1: 12, x2: mx, y2: bottom }));
        if (mx - lastLabelX > 26) {
          group.appendChild(el('text', { x: mx + 2, y: 10 }, `g${mark.generation}`));
          lastLabelX = mx;
        }
        break;
      case 'applied':
        group.appendChild(el('circle', { cx: mx, cy: 20, r: 3 }));
        break;
      case 'fence-rejected':
      case 'stood-down':
        group.appendChild(el('path', { d: `M${mx - 5},${TOP - 10} L${mx + 5},${TOP - 10} L${mx},${TOP - 2} Z` }));
        break;
      case 'guard-refused':
        group.appendChild(
          el('path', { d: `M${mx},${TOP - 12} L${mx + 5},${TOP - 6} L${mx},${TOP} L${mx - 5},${TOP - 6} Z` }),
        );
        break;
      case 'failed':
        group.appendChild(el('text', { x: mx, y: TOP - 2, 'text-anchor': 'middle' }, '×'));
        break;
      default: // records-removed, plan-deleted, inconsistent: the legacy design breaking
        group.appendChild(el('line', { x1: mx, y1: 12, x2: mx, y2: bottom }));
        // Only the removal of this endpoint's records is labelled; deleted plans and the stuck enactors are lines.
        if (mark.kind === 'records-removed' && mx - lastAlarmX > 110) {
          group.appendChild(el('text', { x: mx + 3, y: 22 }, '✖ records removed'));
          lastAlarmX = mx;
        }
    }
    svg.appendChild(group);
  }
}
