import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Governance (issue 4): custom CR fields and the risk assessment on the CR, the approval chain a
 * policy builds for a CR (steps with their SLA timers), approvals counted against a step, and the
 * outbox that carries events (escalations) to whatever delivers them.
 */
export function governance(dialect: Dialect) {
  const int8 = dialect === 'postgres' ? 'bigint' : 'integer';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('change_requests').addColumn('labels_json', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('custom_fields_json', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('risk_assessment_json', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('approval_decision_json', 'text').execute();
      await db.schema.alterTable('approvals').addColumn('step_id', 'text').execute();

      await db.schema
        .createTable('approval_steps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('change_request_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('round', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('approver_group', 'text', (c) => c.notNull())
        .addColumn('required', 'integer', (c) => c.notNull())
        .addColumn('dual_control', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sla_ms', int8)
        .addColumn('escalate_to_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('activated_at', int8)
        .addColumn('due_at', int8)
        .addColumn('decided_at', int8)
        .addColumn('created_at', int8, (c) => c.notNull())
        .addUniqueConstraint('approval_steps_cr_round_seq', [
          'tenant_id',
          'change_request_id',
          'round',
          'seq',
        ])
        .execute();
      // The escalation worker looks for active steps whose SLA ran out, across tenants.
      await db.schema
        .createIndex('approval_steps_due')
        .on('approval_steps')
        .columns(['status', 'due_at'])
        .execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('payload_json', 'text', (c) => c.notNull())
        .addColumn('created_at', int8, (c) => c.notNull())
        .addColumn('published_at', int8)
        .execute();
      await db.schema
        .createIndex('outbox_tenant_created')
        .on('outbox')
        .columns(['tenant_id', 'created_at'])
        .execute();
    },
  };
}
