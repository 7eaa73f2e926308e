import { unitTestsEvidenceCheck } from './demo-evidence.js';
/**
 * The demo organisation `demo seed` configures before writing history (docs/maturity.md#demo-data):
 * applied through `config apply`'s service, so it is validated and audited like any configuration.
 */
export const seedTeams = ['payments', 'platform', 'data', 'identity'] as const;
export const seedReviewers = ['cab', 'security'] as const;

export const seedComponents = [
  ['payments-api', 'payments', 'tier1'],
  ['ledger', 'payments', 'tier1'],
  ['checkout-web', 'payments', 'tier2'],
  ['api-gateway', 'platform', 'tier1'],
  ['k8s-platform', 'platform', 'tier2'],
  ['build-runners', 'platform', 'tier4'],
  ['warehouse', 'data', 'tier2'],
  ['etl-jobs', 'data', 'tier3'],
  ['reporting', 'data', 'tier3'],
  ['auth-service', 'identity', 'tier1'],
  ['user-profile', 'identity', 'tier2'],
  ['audit-sink', 'identity', 'tier3'],
] as const;

export interface SeedEnvironment {
  name: string;
  purpose: 'production' | 'pre_prod';
  regions: string[];
  rollbackEnabled: boolean;
}

export const seedEnvironments: readonly SeedEnvironment[] = [
  { name: 'dev', purpose: 'pre_prod', regions: [], rollbackEnabled: false },
  { name: 'staging', purpose: 'pre_prod', regions: [], rollbackEnabled: true },
  { name: 'prod', purpose: 'production', regions: ['eu-de', 'us-east'], rollbackEnabled: true },
];

const members = (team: string) => [`${team}-lead@example.com`, `${team}-dev@example.com`];

export function seedConfigDocument(): Record<string, unknown> {
  return {
    environments: seedEnvironments.map((e) => ({ ...e, regions: [...e.regions] })),
    autoApproval: { maxRisk: 'moderate' },
    evidenceChecks: { version: '2.0', 'pre-deployment': [unitTestsEvidenceCheck] },
    complianceProfile: { name: 'demo-baseline', document: { controls: ['CM-3', 'CM-4', 'SA-10'] } },
    groups: [...seedTeams, ...seedReviewers].map((name) => ({ name, members: members(name) })),
    components: seedComponents.map(([name, ownerGroup, criticality]) => ({ name, ownerGroup, criticality })),
    templates: [
      {
        name: 'config-bump',
        title: 'Config bump of {components} on {environment}',
        fields: { priority: 'low', customerImpact: 'no_impact', deploymentImpact: 'small', risk: 'low' },
        components: seedComponents.map(([name]) => name),
        environments: ['dev', 'staging', 'prod'],
        maxRisk: 'low',
      },
    ],
    windows: [
      {
        name: 'weekend-freeze',
        kind: 'freeze',
        rrule: 'FREQ=WEEKLY;BYDAY=SA,SU',
        startTime: '00:00',
        duration: 1440,
        timeZone: 'UTC',
        environments: ['prod'],
        reason: 'No production deployments at the weekend',
      },
    ],
    approvalPolicy: {
      rules: [
        {
          name: 'owners-in-production',
          when: { environmentPurposes: ['production'] },
          autoApprovable: true,
          steps: [{ name: 'owners', group: '$owners', required: 1, sla: '4h', escalateTo: ['cab'] }],
        },
        {
          name: 'cab-high-risk',
          when: { risk: 'high' },
          steps: [{ name: 'cab', group: 'cab', dualControl: true, sla: '8h' }],
        },
      ],
    },
    risk: {},
  };
}
