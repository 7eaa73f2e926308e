import { describe, expect, it } from 'vitest';
import { failure } from '../../test/support/failure.js';
import { describeApprovalPolicy, formatDuration, parseApprovalPolicy } from './approval-policy.js';
import { parseTenantConfig } from './tenant-config.js';

const rule = (extra: Record<string, unknown> = {}) => ({
  name: 'owners',
  steps: [{ group: '$owners' }],
  ...extra,
});

describe('parseApprovalPolicy', () => {
  it('reads absent as no policy and applies the defaults of a step', () => {
    expect(parseApprovalPolicy(undefined)).toBeNull();
    expect(parseApprovalPolicy(null)).toBeNull();
    expect(parseApprovalPolicy({})).toEqual({ rules: [] });
    expect(parseApprovalPolicy({ rules: [rule()] })).toEqual({
      rules: [
        {
          name: 'owners',
          when: {},
          autoApprovable: false,
          steps: [
            {
              name: 'owners',
              group: '$owners',
              required: 1,
              dualControl: false,
              slaMs: null,
              escalateTo: [],
            },
          ],
        },
      ],
    });
  });

  it('reads every condition and step option of the documented example', () => {
    const policy = parseApprovalPolicy({
      rules: [
        {
          name: 'cab-high-risk',
          when: {
            types: ['normal', 'emergency'],
            environmentPurposes: ['production'],
            environments: ['prod-eu'],
            risk: 'high',
            components: ['payments-*'],
            criticality: 'tier2',
            labels: ['privileged-access'],
            categories: ['database-schema'],
            fields: { dataClass: ['pii', 'secret'], tier: 1 },
          },
          autoApprovable: true,
          steps: [
            {
              name: 'cab',
              group: 'cab',
              required: 1,
              dualControl: true,
              sla: '4h',
              escalateTo: ['platform-leads', 'change-managers'],
            },
          ],
        },
      ],
    });
    expect(policy?.rules[0]).toEqual({
      name: 'cab-high-risk',
      when: {
        types: ['normal', 'emergency'],
        environmentPurposes: ['production'],
        environments: ['prod-eu'],
        risk: 'high',
        components: ['payments-*'],
        criticality: 'tier2',
        labels: ['privileged-access'],
        categories: ['database-schema'],
        fields: { dataClass: ['pii', 'secret'], tier: [1] },
      },
      autoApprovable: true,
      // Dual control means two people, whatever count was written.
      steps: [
        {
          name: 'cab',
          group: 'cab',
          required: 2,
          dualControl: true,
          slaMs: 4 * 3_600_000,
          escalateTo: ['platform-leads', 'change-managers'],
        },
      ],
    });
  });

  it.each([
    [{ rule: [] }, 'approvalPolicy.rule', /unknown key \(did you mean 'rules'\?\)/],
    [{ rules: {} }, 'approvalPolicy.rules', /must be a list of rules/],
    [{ rules: [{ steps: [{ group: 'cab' }] }] }, 'approvalPolicy.rules[0].name', /is required/],
    [
      { rules: [rule(), rule()] },
      'approvalPolicy.rules[1].name',
      /'owners' is already used by approvalPolicy\.rules\[0\]/,
    ],
    [{ rules: [rule({ steps: undefined })] }, 'approvalPolicy.rules[0].steps', /is required/],
    [{ rules: [rule({ steps: [] })] }, 'approvalPolicy.rules[0].steps', /at least one step/],
    [
      { rules: [rule({ when: { type: ['normal'] } })] },
      'approvalPolicy.rules[0].when.type',
      /did you mean 'types'/,
    ],
    [
      { rules: [rule({ when: { types: ['urgent'] } })] },
      'approvalPolicy.rules[0].when.types[0]',
      /'urgent' is not valid; use one of: standard, normal, emergency/,
    ],
    [{ rules: [rule({ when: { risk: 'medium' } })] }, 'approvalPolicy.rules[0].when.risk', /use one of: low/],
    [
      { rules: [rule({ when: { labels: [] } })] },
      'approvalPolicy.rules[0].when.labels',
      /at least one value/,
    ],
    [
      { rules: [rule({ when: { criticality: 'tier9' } })] },
      'approvalPolicy.rules[0].when.criticality',
      /use one of: tier1, tier2, tier3, tier4/,
    ],
    [
      { rules: [rule({ when: { fields: { dataClass: [{ a: 1 }] } } })] },
      'approvalPolicy.rules[0].when.fields.dataClass[0]',
      /must be a text, number or true\/false/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab', required: 0 }] })] },
      'approvalPolicy.rules[0].steps[0].required',
      /whole number from 1 to 50/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'Cab Team' }] })] },
      'approvalPolicy.rules[0].steps[0].group',
      /must be lowercase letters/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab', sla: '90' }] })] },
      'approvalPolicy.rules[0].steps[0].sla',
      /duration with a unit such as 30m/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab', sla: '10s' }] })] },
      'approvalPolicy.rules[0].steps[0].sla',
      /shorter than the minimum of 1m/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab', escalateTo: ['leads'] }] })] },
      'approvalPolicy.rules[0].steps[0].escalateTo',
      /needs an sla/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab', sla: '1h', escalateTo: ['leads', 'cab'] }] })] },
      'approvalPolicy.rules[0].steps[0].escalateTo[1]',
      /the step's own group/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab' }, { group: 'cab' }] })] },
      'approvalPolicy.rules[0].steps[1].name',
      /step names must be unique within a rule/,
    ],
    [
      { rules: [rule({ steps: [{ group: 'cab', quorum: 2 }] })] },
      'approvalPolicy.rules[0].steps[0].quorum',
      /unknown key; valid keys in approvalPolicy\.rules\[0\]\.steps\[0\]: name, group, required/,
    ],
  ])('refuses %j naming %s', async (value, field, message) => {
    const e = await failure(Promise.resolve().then(() => parseApprovalPolicy(value)));
    expect(e.code).toBe('invalid_input');
    expect(e.details.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('is part of changegate.yaml: the tenant configuration parses it under approvalPolicy', async () => {
    expect(parseTenantConfig({}).approvalPolicy).toBeNull();
    expect(parseTenantConfig({ approvalPolicy: { rules: [rule()] } }).approvalPolicy?.rules).toHaveLength(1);
    const e = await failure(
      Promise.resolve().then(() =>
        parseTenantConfig({
          approvalPolicy: { rules: [rule({ steps: [{ group: 'cab', required: 'two' }] })] },
        }),
      ),
    );
    expect(e.details.field).toBe('approvalPolicy.rules[0].steps[0].required');
  });

  it('describes the policy one rule a line, and SLAs as people write them', () => {
    const policy = parseApprovalPolicy({
      rules: [
        rule(),
        { name: 'cab', when: { risk: 'high' }, steps: [{ group: 'cab', dualControl: true, sla: '90m' }] },
      ],
    });
    expect(describeApprovalPolicy(policy)).toEqual([
      'approval policy: 2 rules',
      '  owners: every change → owners ($owners, 1 required)',
      '  cab: risk ≥ high → cab (cab, 2 required, dual control, sla 1h30m)',
    ]);
    expect(describeApprovalPolicy(null)[0]).toMatch(/none/);
    expect(formatDuration(2 * 86_400_000)).toBe('2d');
  });
});
