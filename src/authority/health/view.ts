// What the DNS face needs to know about health checks: whether one is healthy now. The prober that runs the
// checks implements it; the face asks per query, so a health flip shows in the next answer without a commit.

export interface HealthView {
  /** true/false for a known check's current status; undefined for an id the view does not know (treated as healthy). */
  isHealthy(id: string): boolean | undefined;
}

/** The view with no checks: everything counts as healthy, as an unknown id does. */
export const ALL_HEALTHY: HealthView = { isHealthy: () => undefined };

/** Whether a record set with this HealthCheckId (or none) counts as healthy: no check or an unknown one does. */
export function healthyUnder(view: HealthView, healthCheckId: string | undefined): boolean {
  return healthCheckId === undefined || view.isHealthy(healthCheckId) !== false;
}
