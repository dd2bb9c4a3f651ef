// The dashboard's verdicts as Prometheus gauges, refreshed on every scrape of /metrics, so that the EMPTY an
// operator sees on the page can also page someone: alert on dnsplane_dashboard_endpoint_state{state="empty"} == 1.
import { gauge } from '../telemetry/metrics.js';
import { ENDPOINT_STATES, type DashboardStatus } from './model.js';

const endpointState = gauge(
  'dnsplane_dashboard_endpoint_state',
  '1 for the state the dashboard judges the endpoint to be in (empty, failing, drift, behind, match, unknown), 0 for the others.',
  ['endpoint', 'state'],
);
const plannedGeneration = gauge(
  'dnsplane_dashboard_planned_generation',
  'The latest planned generation the dashboard read from the plan store.',
);
const liveGeneration = gauge(
  'dnsplane_dashboard_live_generation',
  "The generation in the endpoint's fence, as the dashboard last read Route53.",
  ['endpoint'],
);

export function exportStatus(status: DashboardStatus): void {
  endpointState.reset();
  liveGeneration.reset();
  if (status.plannedGeneration !== null) plannedGeneration.set(status.plannedGeneration);
  for (const row of status.endpoints) {
    for (const state of ENDPOINT_STATES)
      endpointState.set({ endpoint: row.endpoint, state }, row.state === state ? 1 : 0);
    if (row.liveGeneration !== null) liveGeneration.set({ endpoint: row.endpoint }, row.liveGeneration);
  }
}
