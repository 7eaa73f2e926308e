import { describe, expect, it } from 'vitest';
import { parseApprovalPolicy } from './approval-policy.js';
import { type RoutingFacts, routeChange, rulesAllowAutoApproval } from './approval-routing.js';
import { decideAutoApproval } from './deployment.js';

const facts = (extra: Partial<RoutingFacts> = {}): RoutingFacts => ({
  type: 'normal',
  environment: 'prod-eu',
  environmentPurpose: 'production',
  risk: 'moderate',
  components: [
    { name: 'payments-api', ownerGroup: 'payments', criticality: 'tier2' },
    { name: 'ledger', ownerGroup: 'finance', criticality: 'tier3' },
    { name: 'unregistered', ownerGroup: null, criticality: null },
  ],
  labels: ['privileged-access'],
  category: 'database-schema',
  customFields: { dataClass: 'pii' },
  ...extra,
});

const policy = (rules: unknown[]) => parseApprovalPolicy({ rules });
const one = (when: Record<string, unknown>, f: RoutingFacts = facts()) =>
  routeChange(policy([{ name: 'r', when, steps: [{ group: 'cab' }] }]), f).rules[0];

describe('routeChange', () => {
  it('routes nothing without a policy', () => {
    expect(routeChange(null, facts())).toEqual({ rules: [], steps: [] });
  });

  it.each([
    [{ types: ['normal'] }, true, 'type normal is one of normal'],
    [{ types: ['standard', 'emergency'] }, false, 'type normal is not one of standard, emergency'],
    [{ environmentPurposes: ['production'] }, true, 'environment purpose production is one of production'],
    [{ environmentPurposes: ['pre_prod'] }, false, 'environment purpose production is not one of pre_prod'],
    [{ environments: ['prod-eu', 'prod-us'] }, true, 'environment prod-eu is one of prod-eu, prod-us'],
    [{ environments: ['staging'] }, false, 'environment prod-eu is not one of staging'],
    [{ risk: 'moderate' }, true, 'risk moderate ≥ moderate'],
    [{ risk: 'high' }, false, 'risk moderate < high'],
    [{ components: ['payments-*'] }, true, 'component payments-api matches payments-*'],
    [{ components: ['billing-*', 'crm'] }, false, 'no component matches billing-*, crm'],
    [{ criticality: 'tier2' }, true, 'component payments-api is tier2, at least tier2'],
    [{ criticality: 'tier1' }, false, 'no component is at least tier1 (most critical: payments-api, tier2)'],
    [{ labels: ['crypto-key', 'privileged-access'] }, true, 'label privileged-access present'],
    [{ labels: ['crypto-key'] }, false, 'none of the labels crypto-key'],
    [{ categories: ['database-schema'] }, true, 'category database-schema is one of database-schema'],
    [{ categories: ['network'] }, false, 'category database-schema is not one of network'],
    [{ fields: { dataClass: ['pii', 'secret'] } }, true, 'field dataClass = pii, one of pii, secret'],
    [{ fields: { dataClass: ['public'] } }, false, 'field dataClass = pii, not one of public'],
    [{ fields: { owner: ['x'] } }, false, 'field owner not set (rule wants x)'],
    [{}, true, 'no conditions: every change matches'],
  ])('explains %j: matched %s, "%s"', (when, matched, reason) => {
    const outcome = one(when);
    expect(outcome?.matched).toBe(matched);
    expect(outcome?.reasons).toEqual([reason]);
  });

  it('needs every condition to hold, and explains each of them', () => {
    const outcome = one({ types: ['normal'], risk: 'high', labels: ['privileged-access'] });
    expect(outcome).toMatchObject({
      matched: false,
      reasons: ['type normal is one of normal', 'risk moderate < high', 'label privileged-access present'],
      steps: [],
    });
  });

  it('treats an unknown risk or a change without environment or category as not matching', () => {
    const bare = facts({
      risk: null,
      environment: null,
      environmentPurpose: null,
      category: null,
      components: [],
    });
    expect(one({ risk: 'low' }, bare)?.reasons).toEqual([
      'risk unknown (none declared or assessed), not ≥ low',
    ]);
    expect(one({ environments: ['prod-eu'] }, bare)?.reasons).toEqual([
      'no environment (rule wants prod-eu)',
    ]);
    expect(one({ categories: ['network'] }, bare)?.matched).toBe(false);
    expect(one({ criticality: 'tier4' }, bare)?.reasons).toEqual([
      'no registered component, so none is at least tier4 critical',
    ]);
  });

  it('adds one $owners step per owner group of the registered components, in rule and step order', () => {
    const routed = routeChange(
      policy([
        { name: 'owners', steps: [{ group: '$owners', sla: '4h' }] },
        { name: 'not-me', when: { types: ['emergency'] }, steps: [{ group: 'sre' }] },
        { name: 'security', when: { labels: ['privileged-access'] }, steps: [{ group: 'security' }] },
      ]),
      facts(),
    );
    expect(routed.steps.map((s) => [s.rules.join('+'), s.name, s.group, s.slaMs])).toEqual([
      ['owners', 'owners', 'finance', 14_400_000],
      ['owners', 'owners', 'payments', 14_400_000],
      ['security', 'security', 'security', null],
    ]);
    expect(routed.rules.map((r) => [r.rule, r.matched, r.steps])).toEqual([
      ['owners', true, ['owners (finance)', 'owners (payments)']],
      ['not-me', false, []],
      ['security', true, ['security (security)']],
    ]);
  });

  it('says so when $owners finds no owner group', () => {
    const routed = routeChange(
      policy([{ name: 'owners', steps: [{ group: '$owners' }] }]),
      facts({ components: [] }),
    );
    expect(routed.steps).toEqual([]);
    expect(routed.rules[0]?.reasons.at(-1)).toMatch(
      /no registered component of the change has an owner group/,
    );
  });

  it('merges steps for the same group into the first, keeping the stricter count, dual control and SLA', () => {
    const routed = routeChange(
      policy([
        { name: 'cab-prod', steps: [{ group: 'cab', required: 1, sla: '8h', escalateTo: ['leads'] }] },
        {
          name: 'cab-high',
          when: { risk: 'moderate' },
          steps: [
            { group: 'cab', name: 'cab-review', dualControl: true, sla: '2h', escalateTo: ['managers'] },
          ],
        },
        { name: 'payments', steps: [{ group: '$owners' }] },
      ]),
      facts({ components: [{ name: 'payments-api', ownerGroup: 'cab', criticality: 'tier1' }] }),
    );
    expect(routed.steps).toEqual([
      {
        rules: ['cab-prod', 'cab-high', 'payments'],
        name: 'cab',
        group: 'cab',
        required: 2,
        dualControl: true,
        slaMs: 2 * 3_600_000,
        escalateTo: ['leads', 'managers'],
      },
    ]);
    expect(routed.rules[1]?.reasons.at(-1)).toMatch(
      /^step cab-review \(cab\) merged into the earlier cab step of rule cab-prod/,
    );
  });

  it('adds a mandatory peer review for high risk whoever requested', () => {
    const rules = [
      { name: 'peer-review-high-risk', when: { risk: 'high' }, steps: [{ group: 'peer-reviewers' }] },
    ];
    expect(routeChange(policy(rules), facts({ risk: 'critical' })).steps.map((s) => s.group)).toEqual([
      'peer-reviewers',
    ]);
    expect(routeChange(policy(rules), facts({ risk: 'moderate' })).steps).toEqual([]);
  });
});

describe('auto-approval with policy rules', () => {
  const base = { ready: true, outageMinutes: 0, risk: 'low' as const, maxRisk: 'moderate' as const };
  const rules = policy([
    { name: 'owners', autoApprovable: true, steps: [{ group: '$owners' }] },
    { name: 'cab', when: { labels: ['privileged-access'] }, steps: [{ group: 'cab' }] },
    { name: 'emergencies', when: { types: ['emergency'] }, steps: [{ group: 'sre' }] },
  ]);

  it('is blocked by a matched rule that is not auto-approvable, naming it; unmatched rules do not count', () => {
    const routed = routeChange(rules, facts());
    expect(rulesAllowAutoApproval(routed.rules)).toBe(false);
    const d = decideAutoApproval({ ...base, rules: routed.rules });
    expect(d.approved).toBe(false);
    expect(d.reasons.slice(0, 3)).toEqual([
      'deployment ready: yes',
      'outage: none',
      "risk: low within the auto-approval limit 'moderate'",
    ]);
    expect(d.reasons.slice(3)).toEqual([
      expect.stringMatching(
        /^rule owners: matched \(no conditions: every change matches\), auto-approvable$/,
      ),
      'rule cab: matched (label privileged-access present), not auto-approvable: needs its approvers',
      'rule emergencies: not matched (type normal is not one of emergency)',
    ]);
  });

  it('is allowed when every matched rule is auto-approvable', () => {
    const routed = routeChange(rules, facts({ labels: [] }));
    expect(decideAutoApproval({ ...base, rules: routed.rules }).approved).toBe(true);
    expect(decideAutoApproval({ ...base, ready: false, rules: routed.rules }).approved).toBe(false);
  });
});
