import { planApproval } from '../src/services/approvals/route-approval.js';
import { createComponent } from '../src/services/catalog/component-service.js';
import { createGroup } from '../src/services/catalog/group-service.js';
import { createChangeRequest } from '../src/services/changes/create-change-request.js';
import { applyTenantConfig, loadTenantConfig } from '../src/services/config/config-service.js';
import { assessChange } from '../src/services/risk/assess-change-risk.js';
import { actorIn } from '../test/support/actors.js';
import {
  type BenchResult,
  benchApp,
  elapsedMs,
  fmt,
  header,
  isMain,
  log,
  median,
  printResult,
  runStandalone,
  sizeFromEnv,
  validChange,
} from './support.js';

/**
 * Benchmark: routing a CR that names 50 components through an approval policy of 200 rules and
 * assessing its risk (matrix + history over earlier changes to those components), as requesting
 * approval does, against a plain CR create in the same run.
 */
export async function benchRoutingRisk(): Promise<BenchResult> {
  const componentCount = sizeFromEnv('BENCH_COMPONENTS', 50, 50);
  const ruleCount = sizeFromEnv('BENCH_RULES', 200, 200);
  const historyCount = sizeFromEnv('BENCH_HISTORY', 2000, 200);
  const perRound = sizeFromEnv('BENCH_ROUTE_COUNT', 300, 30);
  const rounds = sizeFromEnv('BENCH_ROUNDS', 5, 1);
  header(
    `Routing + risk: ${componentCount} components × ${ruleCount} rules, ${fmt(historyCount)} earlier changes (${rounds} x ${perRound} CRs each)`,
  );

  const bench = await benchApp('routing-risk');
  try {
    const { deps } = bench.app;
    const admin = bench.actor;
    // The plain create runs in a tenant with no policy and no risk model: nothing but the CR itself.
    const plain = await actorIn(bench.app, 'plain', 'bench');
    await applyTenantConfig(deps, admin, {
      document: { environments: [{ name: 'prod', purpose: 'production' }] },
    });
    const groups = ['payments', 'platform', 'data', 'identity', 'cab', 'security', 'leads'];
    for (const name of groups)
      await createGroup(deps, admin, { name, members: [`${name}-lead@example.com`] });
    const components = Array.from({ length: componentCount }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    for (const [i, name] of components.entries())
      await createComponent(deps, admin, {
        name,
        ownerGroup: groups[i % 4],
        criticality: `tier${(i % 4) + 1}`,
      });
    await applyTenantConfig(deps, admin, { document: policyDocument(ruleCount) });

    // History: earlier concluded changes to the same components in prod, a fifth of them failed.
    for (let i = 0; i < historyCount; i++) {
      const cr = await createChangeRequest(deps, admin, {
        ...validChange,
        environment: 'prod',
        components: [components[i % componentCount] as string],
      });
      await deps.db
        .updateTable('change_requests')
        .set({ state: 'closed', close_category: i % 5 === 0 ? 'unsuccessful' : 'successful' })
        .where('id', '=', cr.id)
        .execute();
    }
    const subject = await createChangeRequest(deps, admin, {
      ...validChange,
      environment: 'prod',
      components,
      labels: ['privileged-access'],
      customFields: { dataClass: 'pii' },
    });

    let steps = 0;
    const routeBatch = async (n: number): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const { config } = await loadTenantConfig(deps.db, admin.tenantId);
        const riskAssessment = await assessChange(deps.db, deps, config.risk, subject);
        const plan = await planApproval(deps.db, admin.tenantId, { ...subject, riskAssessment });
        steps = plan.routing.steps.length;
      }
      return elapsedMs(start);
    };
    let serial = 0;
    const createBatch = async (n: number): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++)
        await createChangeRequest(deps, plain, { ...validChange, title: `Plain change ${serial++}` });
      return elapsedMs(start);
    };

    await routeBatch(Math.min(20, perRound));
    await createBatch(Math.min(20, perRound));
    const routeRates: number[] = [];
    const createRates: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 ? (['route', 'create'] as const) : (['create', 'route'] as const);
      for (const side of order) {
        const ms = side === 'route' ? await routeBatch(perRound) : await createBatch(perRound);
        (side === 'route' ? routeRates : createRates).push((perRound * 1000) / ms);
      }
      log(
        `   round ${round}: routing+risk ${fmt(routeRates.at(-1) ?? 0)} CRs/s (${fmt(1000 / (routeRates.at(-1) ?? 1), 2)} ms each), ` +
          `plain create ${fmt(createRates.at(-1) ?? 0)} CRs/s`,
      );
    }
    if (steps === 0) throw new Error('the policy built no approval steps: the benchmark routes nothing');

    const result: BenchResult = {
      name: 'Routing + risk (50 components, 200 rules)',
      unit: 'CRs/s',
      subject: median(routeRates),
      baseline: median(createRates),
      baselineLabel: 'plain CR create (service layer, SQLite, one transaction with its audit event)',
      notes: [
        `per CR: ${fmt(1000 / median(routeRates), 2)} ms to load the policy in force, assess risk (${componentCount} components' criticality, history of ${fmt(historyCount)} changes) and route through ${ruleCount} rules (${steps} steps built)`,
        'routing+risk reads only (what requesting approval does before it writes the chain); the plain create writes a CR and its audit event',
        `figure: median of ${rounds} alternating rounds of ${perRound}`,
      ],
    };
    printResult(result);
    return result;
  } finally {
    await bench.close();
  }
}

/** A policy whose rules exercise every kind of condition; most do not match, as in real policies. */
function policyDocument(ruleCount: number) {
  const rules = Array.from({ length: ruleCount }, (_, i) => {
    const when: Record<string, unknown> = { environmentPurposes: ['production'] };
    switch (i % 5) {
      case 0:
        when.components = [`svc-${String(i % 100).padStart(3, '0')}*`, 'legacy-*'];
        break;
      case 1:
        when.criticality = 'tier1';
        when.risk = i % 2 ? 'high' : 'moderate';
        break;
      case 2:
        when.labels = [`label-${i}`, 'privileged-access'];
        break;
      case 3:
        when.fields = { dataClass: ['pii', `class-${i}`] };
        break;
      default:
        when.types = ['emergency'];
        when.categories = [`category-${i}`];
    }
    const group = ['payments', 'platform', 'data', 'identity', 'cab', 'security'][i % 6];
    return {
      name: `rule-${i}`,
      when,
      steps: [
        {
          name: `step-${i % 7}`,
          group: i % 10 === 0 ? '$owners' : group,
          required: 1,
          sla: '4h',
          escalateTo: ['leads'],
        },
      ],
    };
  });
  return {
    environments: [{ name: 'prod', purpose: 'production' }],
    customFields: { type: 'object', properties: { dataClass: { enum: ['pii', 'internal', 'public'] } } },
    risk: { history: { window: '365d', minChanges: 3 } },
    approvalPolicy: { rules },
  };
}

if (isMain(import.meta.url)) runStandalone(benchRoutingRisk);
