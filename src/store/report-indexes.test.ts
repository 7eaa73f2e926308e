import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorIn, validChange } from '../../test/support/actors.js';
import { dialects, testApp } from '../../test/support/dialects.js';
import { updateChangeRequestFields } from '../services/changes/change-request-actions.js';
import { createChangeRequest } from '../services/changes/create-change-request.js';

describe.each(dialects)('report indexes (migration 0018) on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof testApp>>;

  beforeAll(async () => {
    t = await testApp(dialect, 'report-indexes');
  });
  afterAll(async () => t?.close());

  it('take a CR naming many long components: created, edited and read back whole', async () => {
    const actor = await actorIn(t.app, 'many-components', 'admin@example.com');
    // 150 names of 40 random characters: about 6.5 KB of JSON that does not compress, well past
    // PostgreSQL's 2,704-byte limit for one B-tree entry.
    const components = Array.from({ length: 150 }, () => `svc-${randomBytes(18).toString('hex')}`);
    const cr = await createChangeRequest(t.app.deps, actor, { ...validChange, components });
    const edited = await updateChangeRequestFields(t.app.deps, actor, cr.number, { title: 'Renamed' });
    expect([...edited.components].sort()).toEqual([...components].sort());
  });
});
