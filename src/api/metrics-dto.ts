import type { MetricsReport } from '../domain/metrics/report.js';
import type { MetricsReportDto } from './metrics-schemas.js';

/** Domain → API shape of a metrics report: the same keys, the range as ISO-8601. */
export function metricsReportDto(r: MetricsReport): MetricsReportDto {
  return {
    ...r,
    query: {
      ...r.query,
      since: new Date(r.query.since).toISOString(),
      until: new Date(r.query.until).toISOString(),
    },
  };
}
