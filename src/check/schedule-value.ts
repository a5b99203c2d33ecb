import { readSchedule } from '../ir/read-fields.js';
import type { RuleContext } from './rule.js';
import { NO_ORIGIN } from './values-origin.js';

/**
 * The schedule is a 5-field cron string, a map `{ cron, timezone }` or null; the cron parses
 * (FLOWC309) and the timezone is an IANA name (FLOWC310, with a did-you-mean). Checked once
 * resolved, so a schedule fed from config is judged with its real value.
 */
export function scheduleValue({ flow, diagnostics }: RuleContext): void {
  if (flow.schedule) readSchedule(flow.schedule, NO_ORIGIN, diagnostics);
}
