import { describe, expect, it } from 'vitest';
import { customerImpacts, deploymentImpacts, priorities, riskLevels } from './change-request.js';
import { parsePromotionBody, promotionTemplate } from './promotion-template.js';

/** Fills the template as a person would on GitHub: ticks a box, or types under the comment. */
function fill(template: string, values: Record<string, string>): string {
  return template
    .split('\n### ')
    .map((chunk) => {
      const heading = chunk.slice(0, chunk.indexOf('\n'));
      const value = values[heading];
      if (value === undefined) return chunk;
      if (chunk.includes(`- [ ] ${value}\n`) || chunk.endsWith(`- [ ] ${value}`)) {
        return chunk.replace(`- [ ] ${value}`, `- [x] ${value}`);
      }
      return chunk.replace(/-->\n/, `-->\n${value}\n`);
    })
    .join('\n### ');
}

const filled = {
  Priority: 'high',
  'Change Request assignee': 'jane@example.com',
  'Additional Description': 'Rolls out the new billing service.\n\nSee the design doc for details.',
  'Purpose/Goal': 'Invoices in EUR.',
  'Explanation of Impact': 'Billing restarts; requests are queued.',
  'Customer Impact': 'no_impact',
  'Deployment Impact': 'small',
  'Backout Plan':
    'Redeploy the previous revision:\n\n```sh\n# undo\nkubectl rollout undo deploy/billing\n```',
  Risk: 'moderate',
};

const expected = {
  priority: 'high',
  assignee: 'jane@example.com',
  description: 'Rolls out the new billing service.\n\nSee the design doc for details.',
  purpose: 'Invoices in EUR.',
  impact: 'Billing restarts; requests are queued.',
  customerImpact: 'no_impact',
  deploymentImpact: 'small',
  backoutPlan: 'Redeploy the previous revision:\n\n```sh\n# undo\nkubectl rollout undo deploy/billing\n```',
  risk: 'moderate',
};

describe('promotion template', () => {
  it('has a section per field of the seed, each listing its valid values in a comment', () => {
    const template = promotionTemplate();
    const headings = [...template.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(Object.keys(filled));
    for (const [heading, values] of [
      ['Priority', priorities],
      ['Customer Impact', customerImpacts],
      ['Deployment Impact', deploymentImpacts],
      ['Risk', riskLevels],
    ] as const) {
      const section = template.split(`### ${heading}\n`)[1]?.split('\n### ')[0] ?? '';
      expect(section).toMatch(new RegExp(`<!-- [^>]*: ${values.join(', ')} -->`));
      for (const v of values) expect(section).toContain(`- [ ] ${v}\n`);
    }
    expect(template).toMatch(/<!-- Required\. The email address/);
  });

  it('reads nothing from the template as printed', () => {
    expect(parsePromotionBody(promotionTemplate())).toEqual({});
  });

  it('reads back every field of a filled-in template', () => {
    expect(parsePromotionBody(fill(promotionTemplate(), filled))).toEqual(expected);
  });

  it('reads back every valid value of every choice field', () => {
    for (const [heading, key, values] of [
      ['Priority', 'priority', priorities],
      ['Customer Impact', 'customerImpact', customerImpacts],
      ['Deployment Impact', 'deploymentImpact', deploymentImpacts],
      ['Risk', 'risk', riskLevels],
    ] as const) {
      for (const value of values) {
        expect(parsePromotionBody(fill(promotionTemplate(), { [heading]: value }))).toEqual({ [key]: value });
      }
    }
  });

  it('reads the same fields after GitHub turns the body into CRLF and the author removes the comments', () => {
    const body = fill(promotionTemplate(), filled)
      .replace(/<!--[\s\S]*?-->\n?/g, '')
      .replace(/\n/g, '\r\n');
    expect(parsePromotionBody(body)).toEqual(expected);
  });

  it('reads a messy body: other heading levels, typed values, wrappers, _No response_, trailing spaces', () => {
    const body = [
      'Promotes billing to prod.   ',
      '',
      '## Priority:   ',
      '',
      '',
      '**critical**',
      '',
      '# change request assignee (required)',
      '<Jane@Example.com>  ',
      '#### Additional Description ####',
      '_No response_',
      '### Purpose / Goal',
      '',
      'First line.   ',
      '',
      '',
      '',
      'Second paragraph.',
      '###   Customer   Impact',
      '- `no_impact`',
      '### Deployment Impact <!-- tick one -->',
      '* [X] large',
      '- [ ] small',
      '### Risk',
      '- [ ] low',
      '_No response_',
      '',
    ].join('\n');
    expect(parsePromotionBody(body)).toEqual({
      priority: 'critical',
      assignee: 'Jane@Example.com',
      purpose: 'First line.\n\nSecond paragraph.',
      customerImpact: 'no_impact',
      deploymentImpact: 'large',
    });
  });

  it('reads an assignee written as a mailto link and a value followed by an inline comment', () => {
    const body = [
      '### Change Request assignee',
      '[jane@example.com](mailto:jane@example.com)',
      '### Priority',
      'low <!-- was moderate -->',
    ].join('\n');
    expect(parsePromotionBody(body)).toEqual({ assignee: 'jane@example.com', priority: 'low' });
  });

  it('ignores unknown headings and what is under them', () => {
    const body = [
      '## Summary',
      'Customer Impact is none.',
      '### Priority',
      '- [x] low',
      '## Checklist',
      '- [x] tests pass',
      '### Backout Plan',
      'Roll back.',
      '## Notes for reviewers',
      'None.',
    ].join('\n');
    expect(parsePromotionBody(body)).toEqual({ priority: 'low', backoutPlan: 'Roll back.' });
  });

  it('keeps deeper headings, task lists and fenced code in a free-text field', () => {
    const body = [
      '## Backout Plan',
      '#### Steps',
      '- [ ] scale down',
      '- [x] page on-call',
      '~~~',
      '## Priority',
      '~~~',
      '## Risk',
      'low',
      '#### Why low',
      'Small change.',
    ].join('\n');
    expect(parsePromotionBody(body)).toEqual({
      backoutPlan: '#### Steps\n- [ ] scale down\n- [x] page on-call\n~~~\n## Priority\n~~~',
      risk: 'low',
    });
  });

  it('ignores what is inside comments, even headings; an unclosed comment hides the rest, as on GitHub', () => {
    const body = [
      '### Priority',
      'high',
      '<!--',
      '### Priority',
      'low',
      '-->',
      '### Deployment Impact',
      'small',
      '<!-- an unclosed comment',
      '### Customer Impact',
      'critical',
    ].join('\n');
    expect(parsePromotionBody(body)).toEqual({ priority: 'high', deploymentImpact: 'small' });
  });

  it('refuses a field whose heading appears twice, naming the heading', () => {
    const twice = `${fill(promotionTemplate(), { Priority: 'low' })}\n## priority\nhigh\n`;
    expect(() => parsePromotionBody(twice)).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: "the heading 'priority' appears twice in the pull request body; keep one",
        details: { field: 'priority' },
      }),
    );
    expect(() => parsePromotionBody('### Purpose\na\n### Purpose/Goal\nb')).toThrow(
      "the headings 'Purpose' and 'Purpose/Goal' are the same field (purpose); keep one",
    );
  });

  it('refuses two ticked boxes in one choice field', () => {
    const body = fill(fill(promotionTemplate(), { Priority: 'high' }), { Priority: 'low' });
    expect(() => parsePromotionBody(body)).toThrow(
      expect.objectContaining({
        message: "'Priority' has 2 boxes ticked (high, low); tick one",
        details: { field: 'priority' },
      }),
    );
  });

  it('passes values through unvalidated: the promotion service lists the valid ones', () => {
    expect(parsePromotionBody('### Priority\nurgent\n### Change Request assignee\nnot an email')).toEqual({
      priority: 'urgent',
      assignee: 'not an email',
    });
  });
});
