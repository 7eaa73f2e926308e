import type { Kysely } from 'kysely';

/**
 * The deployment gate's decision on the run (docs/compliance.md#violations): `gate_json` holds what
 * the gate saw when it let the run through (the CR's approval, emergency, the evidence checks, freezes
 * passed); the flag columns repeat what the compliance report filters on. Older runs keep nulls: the
 * report judges them by their CR's current state and says so.
 */
export function gateDecisions() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const columns: [string, 'text' | 'integer'][] = [
        ['gate_json', 'text'],
        ['gate_approval', 'text'],
        ['gate_emergency', 'integer'],
        ['gate_ready', 'integer'],
      ];
      for (const [name, type] of columns) {
        await db.schema.alterTable('deployment_runs').addColumn(name, type).execute();
      }
    },
  };
}
