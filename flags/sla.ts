// When a flag is due (the review SLA): an URGENT flag within `urgentDays` days of the run, any other
// by the end of the `otherMonths`-th month after the quarter's as-of date (the end of the next
// quarter). The web queue and the quarterly report count overdue flags by this one rule.
import { sql, type Sql } from '../pipeline/store/index.js';

export interface SlaSettings {
  /** Days an URGENT flag may wait after the run. */
  urgentDays: number;
  /** Months after the as-of date (its month's last day) the other flags may wait. */
  otherMonths: number;
}

export const DEFAULT_SLA: SlaSettings = { urgentDays: 3, otherMonths: 3 };

/** SQL DATE: the due date of a flag from its type, as-of date and the day it was raised. */
export function dueOnSql(sla: SlaSettings, flag: Sql, asOf: Sql, raised: Sql): Sql {
  return sql`CASE WHEN ${flag} = 'URGENT' THEN ${raised} + ${Math.trunc(sla.urgentDays)}::INTEGER
                  ELSE last_day(${asOf} + to_months(${Math.trunc(sla.otherMonths)}::INTEGER)) END`;
}
