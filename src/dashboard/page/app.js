// The dashboard page: fetches /api/status, /api/timeline and /api/audit whenever /events says something
// changed (and every few seconds regardless), and renders them. Every piece of data goes into the DOM as
// textContent or an attribute value, never as markup.
import { drawTimeline } from './chart.js';

/** How much history the chart shows and keeps. */
const WINDOW_MS = 10 * 60 * 1000;
/** Observations are timed when sent but listed when answered: re-ask a little before the last reply to miss none. */
const OVERLAP_MS = 5_000;
const POLL_MS = 5_000;
const MIN_SPAN_MS = 2_000;

const state = { observations: new Map(), marks: new Map(), since: 0, endpoints: [], busy: false, again: false };

const $ = (id) => document.getElementById(id);
const clock = (at) => new Date(at).toLocaleTimeString([], { hour12: false });

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${body.error ?? response.status}`);
  return body;
}

/** Runs one refresh at a time; a nudge during a refresh causes exactly one more. */
async function refresh() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    const [status, timeline, audit] = await Promise.all([
      getJson('/api/status'),
      getJson(`/api/timeline?since=${Math.max(0, state.since - OVERLAP_MS)}`),
      getJson('/api/audit?limit=60'),
    ]);
    // Timed with the User Timing API, so that scripts/bench-dashboard.ts can read how long a render takes.
    performance.mark('render-start');
    merge(timeline);
    renderStatus(status);
    renderCharts(timeline.now);
    renderAudit(audit.entries);
    performance.measure('dashboard-render', 'render-start');
    showErrors(status.errors);
    $('updated').textContent = clock(status.now);
  } catch (error) {
    showErrors([`dashboard: ${error.message}`]);
  } finally {
    state.busy = false;
    if (state.again) {
      state.again = false;
      void refresh();
    }
  }
}

function merge(timeline) {
  for (const observation of timeline.observations)
    state.observations.set(`${observation.at}|${observation.endpoint}|${observation.path}`, observation);
  for (const mark of timeline.marks)
    state.marks.set(
      `${mark.at}|${mark.kind}|${mark.enactor ?? ''}|${mark.generation ?? ''}|${mark.endpoints.join(',')}`,
      mark,
    );
  state.endpoints = [...new Set([...state.endpoints, ...timeline.endpoints])];
  for (const item of [...timeline.observations, ...timeline.marks]) state.since = Math.max(state.since, item.at);
  const oldest = timeline.now - WINDOW_MS;
  for (const [key, value] of state.observations) if (value.at < oldest) state.observations.delete(key);
  for (const [key, value] of state.marks) if (value.at < oldest) state.marks.delete(key);
}

/**
 * Keeps what the page showed of the source being replaced (the demo's legacy race when the safe race starts)
 * as a static copy below the live view, so the two can be compared. Cloned nodes: no data is re-parsed.
 */
function keepPrevious() {
  if ($('endpoints').tBodies[0].rows.length === 0) return;
  const heading = document.createElement('h2');
  heading.textContent = `Previous run: ${$('source').textContent} (as last shown)`;
  const table = $('endpoints').cloneNode(true);
  const charts = $('charts').cloneNode(true);
  for (const node of [table, charts]) node.removeAttribute('id');
  $('previous').replaceChildren(heading, table, charts);
  $('previous').hidden = false;
}

function reset() {
  keepPrevious();
  state.observations.clear();
  state.marks.clear();
  state.endpoints = [];
  state.since = 0;
}

function showErrors(errors) {
  const box = $('errors');
  box.hidden = errors.length === 0;
  box.textContent = errors.join('\n');
}

/** The plan store's freeze: nobody writes until a thaw, and whoever looks must see why and who. */
function renderFreeze(freeze) {
  const box = $('freeze');
  box.hidden = !freeze;
  if (!freeze) return;
  const pin =
    freeze.pinnedGeneration === undefined
      ? ''
      : ` (rollback to generation ${freeze.pinnedGeneration} pinned: enactors apply it, planners write nothing)`;
  box.textContent = `FROZEN since ${freeze.at} by ${freeze.author}: ${freeze.reason}${pin}. dnsplane thaw resumes writing.`;
}

/** A plan store behind the zone: every enactor stands down until a plan above the live fences is written. */
function renderStoreBehind(storeBehind) {
  const box = $('store-behind');
  box.hidden = !storeBehind;
  if (storeBehind) box.textContent = storeBehind.message;
}

/** The probe's diagnosis in words: which part fails decides who acts (nobody, for a resolver that catches up). */
const DIAGNOSIS_WORDS = {
  ok: 'ok',
  'authority-down': 'authority down',
  'authority-empty': 'authority answers EMPTY',
  'authority-wrong': 'authority answers other values than planned',
  'resolver-failing': 'resolver still failing after the authority is back',
  failing: 'resolver failing (the authority is not probed)',
};

function renderDiagnosis(diagnosis) {
  const box = $('diagnosis');
  box.hidden = !diagnosis;
  if (!diagnosis) return;
  box.dataset.diagnosis = diagnosis.diagnosis;
  box.textContent = `probe: ${DIAGNOSIS_WORDS[diagnosis.diagnosis] ?? diagnosis.diagnosis}: ${diagnosis.detail}`;
}

function probeText(row, path) {
  const probe = row.probe.find((entry) => entry.path === path);
  if (!probe) return ['–', ''];
  const latency =
    probe.latencyMs === undefined
      ? ''
      : ` ${probe.latencyMs < 10 ? probe.latencyMs.toFixed(2) : Math.round(probe.latencyMs)} ms`;
  return [`${probe.result}${latency}`, probe.result === 'answered' ? 'result' : 'result bad'];
}

function renderStatus(status) {
  $('source').textContent = status.source;
  $('zone').textContent = status.zone ? `${status.zone} (${status.zoneId})` : status.zoneId;
  renderFreeze(status.freeze);
  renderStoreBehind(status.storeBehind);
  renderDiagnosis(status.probeDiagnosis);
  $('planned').textContent = status.plannedGeneration ?? '–';
  const body = $('endpoints').tBodies[0];
  body.replaceChildren(
    ...status.endpoints.map((row) => {
      const tr = document.createElement('tr');
      tr.className = `state-${row.state}`;
      tr.dataset.endpoint = row.endpoint;
      tr.dataset.state = row.state;
      const stateCell = cell('');
      const badge = document.createElement('span');
      badge.className = 'state';
      badge.textContent = row.state;
      stateCell.appendChild(badge);
      const [authority, authorityClass] = probeText(row, 'authority');
      const [resolver, resolverClass] = probeText(row, 'resolver');
      tr.append(
        cell(row.endpoint),
        stateCell,
        cell(row.plannedGeneration ?? '–', 'num'),
        cell(row.liveGeneration ?? 'no fence', 'num'),
        cell(row.fenceWriter ?? '–'),
        cell(String(row.recordSets), 'num'),
        cell(authority, authorityClass),
        cell(resolver, resolverClass),
        cell(row.reason),
      );
      return tr;
    }),
  );
  $('no-endpoints').hidden = status.endpoints.length > 0;

  $('enactors').tBodies[0].replaceChildren(
    ...status.enactors.map((enactor) => {
      const tr = document.createElement('tr');
      tr.dataset.enactor = enactor.id;
      tr.dataset.state = enactor.state ?? 'none';
      const apply = enactor.lastApply
        ? `g${enactor.lastApply.generation ?? '?'} at ${clock(enactor.lastApply.at)} (${enactor.lastApply.endpoints.length} endpoints)`
        : 'never';
      const counts = Object.entries(enactor.counts)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      const fence = FENCE_WORKING[enactor.state];
      if (fence) tr.dataset.verdict = 'fence-working';
      // Running but with nothing logged: in sync from the start, or only fence-only swaps (no audit line).
      const state =
        enactor.state === null
          ? 'no audit lines yet'
          : `${fence ? fence.label : enactor.state} (${clock(enactor.lastActivityAt)})`;
      const activity = counts || `known from ${enactor.knownFrom.map((from) => KNOWN_FROM[from]).join(' and ')}`;
      tr.append(cell(enactor.id), cell(state, fence ? 'fence-working' : ''), cell(apply), cell(activity));
      return tr;
    }),
  );
  $('no-enactors').hidden = status.enactors.length > 0;
}

/** Endpoint keys from the probe may lack the trailing dot that plan keys have. */
const bare = (key) => key.replace(/\.(?= )/, '').toLowerCase();

function renderCharts(now) {
  const container = $('charts');
  // One pass to group by endpoint (a ten-minute history at 50 ms holds ~100k observations).
  const byEndpoint = new Map(state.endpoints.map((endpoint) => [endpoint, []]));
  for (const observation of state.observations.values()) {
    let list = byEndpoint.get(observation.endpoint);
    if (!list) byEndpoint.set(observation.endpoint, (list = []));
    list.push(observation);
  }
  let oldest = now;
  for (const list of byEndpoint.values()) {
    list.sort((a, b) => a.at - b.at);
    oldest = Math.min(oldest, list[0]?.at ?? now);
  }
  const marks = [...state.marks.values()].sort((a, b) => a.at - b.at);
  const endpoints = [...byEndpoint.keys()].sort();
  $('no-timeline').hidden = state.observations.size > 0;
  // The chart starts at the oldest thing kept (at most WINDOW_MS back), so a short race fills its width.
  oldest = Math.min(oldest, marks[0]?.at ?? now);
  const from = Math.max(now - WINDOW_MS, Math.min(now - MIN_SPAN_MS, oldest - 100));
  const width = Math.max(400, container.clientWidth || 900);
  const present = new Set();
  for (const endpoint of endpoints) {
    present.add(endpoint);
    let figure = [...container.children].find((child) => child.dataset.endpoint === endpoint);
    if (!figure) {
      figure = document.createElement('div');
      figure.className = 'chart';
      figure.dataset.endpoint = endpoint;
      figure.append(document.createElement('h3'), document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
      container.appendChild(figure);
    }
    const mine = byEndpoint.get(endpoint);
    const empty = emptyAfterAnswered(mine);
    const heading = figure.querySelector('h3');
    heading.textContent = endpoint;
    if (empty > 0) {
      const warning = document.createElement('span');
      warning.className = 'bad';
      warning.textContent = `${empty} empty answers (nodata/nxdomain)`;
      heading.appendChild(warning);
    }
    const concerns = (mark) =>
      mark.endpoints.length === 0 || mark.endpoints.some((key) => bare(key) === bare(endpoint));
    drawTimeline(figure.querySelector('svg'), {
      observations: mine,
      marks: marks.filter(concerns),
      from,
      to: now,
      width,
    });
  }
  for (const child of [...container.children]) if (!present.has(child.dataset.endpoint)) child.remove();
}

/**
 * Empty answers on a path after it first answered (observations oldest first). Before the first apply the name
 * does not exist yet: the probe that starts with `dnsplane up` sees NXDOMAIN then, which is pending, not an outage.
 */
function emptyAfterAnswered(observations) {
  const answered = new Set();
  let empty = 0;
  for (const observation of observations) {
    if (observation.result === 'answered') answered.add(observation.path);
    else if ((observation.result === 'nodata' || observation.result === 'nxdomain') && answered.has(observation.path))
      empty += 1;
  }
  return empty;
}

/** How the dashboard knows of an enactor (model.ts ENACTOR_SOURCES), in words. */
const KNOWN_FROM = {
  activity: 'its activity',
  'run manifest': 'the run manifest (up.json)',
  'fence writer': 'the live shard fences it wrote (w=)',
};

/**
 * A losing enactor standing down, or its stale batch turned away, is the fence doing its job: the newer
 * generation stays live and nothing is lost. Shown as such, not as an alarm.
 */
const FENCE_WORKING = {
  'stood-down': {
    label: 'stood down: fence held',
    title: 'a newer generation is already live, so this enactor did not write its older plan (the fence working)',
  },
  'fence-rejected': {
    label: 'stale write refused: fence held',
    title:
      "Route53 refused this enactor's batch because the fence had moved on: the stale write never landed (the fence working)",
  },
};

function renderAudit(entries) {
  $('audit').tBodies[0].replaceChildren(
    ...[...entries].reverse().map((entry) => {
      const tr = document.createElement('tr');
      tr.className = `kind-${entry.kind}`;
      tr.dataset.kind = entry.kind;
      const endpoints = cell(entry.endpoints.join(' '));
      const detail = cell(entry.detail ?? '');
      endpoints.title = entry.endpoints.join('\n');
      detail.title = entry.detail ?? '';
      const fence = FENCE_WORKING[entry.kind];
      const kind = cell(fence ? fence.label : entry.kind, fence ? 'fence-working' : '');
      if (fence) {
        tr.dataset.verdict = 'fence-working';
        kind.title = fence.title;
      }
      tr.append(
        cell(clock(entry.at)),
        cell(entry.enactor),
        kind,
        cell(entry.generation ?? '–', 'num'),
        endpoints,
        detail,
      );
      return tr;
    }),
  );
}

function connect() {
  const events = new EventSource('/events');
  const connection = $('connection');
  events.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'connection live';
  });
  events.addEventListener('change', () => void refresh());
  events.addEventListener('reset', () => {
    reset();
    void refresh();
  });
  events.addEventListener('error', () => {
    connection.textContent = 'disconnected (retrying)';
    connection.className = 'connection down';
  });
}

connect();
void refresh();
setInterval(() => void refresh(), POLL_MS);
window.addEventListener('resize', () => renderCharts(Date.now()));
