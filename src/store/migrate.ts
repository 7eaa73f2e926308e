import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Db, Dialect } from './database.js';
import { foundation } from './migrations/0001-foundation.js';
import { integrity } from './migrations/0002-integrity.js';
import { pipeline } from './migrations/0003-pipeline.js';
import { windows } from './migrations/0004-windows.js';
import { components } from './migrations/0005-components.js';
import { templates } from './migrations/0006-templates.js';
import { governance } from './migrations/0007-governance.js';
import { incidents } from './migrations/0008-incidents.js';
import { batches } from './migrations/0009-batches.js';
import { insight } from './migrations/0010-insight.js';
import { observations } from './migrations/0011-observations.js';
import { metricsIndexes } from './migrations/0012-metrics-indexes.js';
import { siemRetention } from './migrations/0013-siem-retention.js';
import { retention } from './migrations/0014-retention.js';
import { reportIndexes } from './migrations/0015-report-indexes.js';
import { incidentFixes } from './migrations/0016-incident-fixes.js';
import { gateDecisions } from './migrations/0017-gate-decisions.js';
import { reportProfiles } from './migrations/0018-report-profiles.js';
import { commitTimes } from './migrations/0019-commit-times.js';

/** Migrations in order; names sort lexically, and Kysely records which ran so re-running is a no-op. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-foundation': foundation(dialect),
    '0002-integrity': integrity(dialect),
    '0003-pipeline': pipeline(dialect),
    '0004-windows': windows(dialect),
    '0005-components': components(dialect),
    '0006-templates': templates(dialect),
    '0007-governance': governance(dialect),
    '0008-incidents': incidents(dialect),
    '0009-batches': batches(dialect),
    '0010-insight': insight(dialect),
    '0011-observations': observations(dialect),
    '0012-metrics-indexes': metricsIndexes(),
    '0013-siem-retention': siemRetention(dialect),
    '0014-retention': retention(dialect),
    '0015-report-indexes': reportIndexes(),
    '0016-incident-fixes': incidentFixes(dialect),
    '0017-gate-decisions': gateDecisions(),
    '0018-report-profiles': reportProfiles(dialect),
    '0019-commit-times': commitTimes(),
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

export async function migrateToLatest(db: Db, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(
      `database migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
