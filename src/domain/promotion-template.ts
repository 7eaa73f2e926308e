import { customerImpacts, deploymentImpacts, priorities, riskLevels } from './change-request.js';
import { AppError } from './errors.js';

/**
 * The promotion pull-request body (seed 000, "Creating change requests for deployments"): a markdown
 * template people fill in on GitHub or GitLab, and the parser that reads it back. Values are not
 * validated here; the promotion service does that and lists the valid values.
 */

export type PromotionBodyField =
  | 'priority'
  | 'assignee'
  | 'description'
  | 'purpose'
  | 'impact'
  | 'customerImpact'
  | 'deploymentImpact'
  | 'backoutPlan'
  | 'risk';

interface Section {
  field: PromotionBodyField;
  heading: string;
  /** Other headings people write for the same field; matched after normalising. */
  aliases: string[];
  help: string;
  /** Offered as a checkbox list: tick one. */
  choices?: readonly string[];
}

const sections: readonly Section[] = [
  {
    field: 'priority',
    heading: 'Priority',
    aliases: [],
    help: 'Required. The priority of the change.',
    choices: priorities,
  },
  {
    field: 'assignee',
    heading: 'Change Request assignee',
    aliases: ['assignee', 'change request assignee email'],
    help: 'Required. The email address of the person the change request is assigned to, e.g. jane@example.com.',
  },
  {
    field: 'description',
    heading: 'Additional Description',
    aliases: ['description'],
    help: 'Optional. Describes the change process. The automation appends its own details after this text.',
  },
  {
    field: 'purpose',
    heading: 'Purpose/Goal',
    aliases: ['purpose', 'goal', 'purpose and goal'],
    help: 'Optional. Describes the purpose of the change.',
  },
  {
    field: 'impact',
    heading: 'Explanation of Impact',
    aliases: ['impact'],
    help: 'Optional. Describes the possible impact of the change.',
  },
  {
    field: 'customerImpact',
    heading: 'Customer Impact',
    aliases: [],
    help: 'Required. The impact for the customer.',
    choices: customerImpacts,
  },
  {
    field: 'deploymentImpact',
    heading: 'Deployment Impact',
    aliases: [],
    help: 'Required. The impact upon deployment.',
    choices: deploymentImpacts,
  },
  {
    field: 'backoutPlan',
    heading: 'Backout Plan',
    aliases: ['back-out plan', 'back out plan', 'rollback plan'],
    help: 'Optional. Describes the rollback or backout plan.',
  },
  {
    field: 'risk',
    heading: 'Risk',
    aliases: [],
    help: "Optional. The risk of the change. Risk above the tenant's auto-approval limit always needs an approver.",
    choices: riskLevels,
  },
];

/** The markdown body for a promotion pull request (`changegate promote --print-template`). */
export function promotionTemplate(): string {
  const parts = [
    '<!--',
    '  changegate promotion request. Fill in the sections below; changegate reads them into the change',
    '  request (`changegate promote --pr-body-file`). Text inside these comments is ignored.',
    '  For an emergency change, also add the `emergency` label to this pull request.',
    '-->',
  ];
  for (const s of sections) {
    parts.push('', `### ${s.heading}`, '');
    if (s.choices) {
      const tick = s.help.startsWith('Required') ? 'Tick one' : 'Tick one or none';
      parts.push(`<!-- ${s.help} ${tick}: ${s.choices.join(', ')} -->`, '');
      parts.push(...s.choices.map((c) => `- [ ] ${c}`));
    } else {
      parts.push(`<!-- ${s.help} -->`, '');
    }
  }
  return `${parts.join('\n')}\n`;
}

const byHeading = new Map<string, Section>(
  sections.flatMap((s) => [s.heading, ...s.aliases].map((h) => [normaliseHeading(h), s] as const)),
);

/**
 * Reads a promotion pull-request body written from `promotionTemplate()`: the filled-in fields only,
 * keyed by field name. Tolerates CRLF, any heading level, comments kept or removed, GitHub's
 * `_No response_`; ignores unknown headings; refuses a field whose heading appears twice.
 */
export function parsePromotionBody(body: string): Record<string, string> {
  const found = new Map<PromotionBodyField, { heading: string; lines: string[] }>();
  let current: { section: Section; level: number; lines: string[] } | null = null;
  for (const { text, heading } of markdownLines(body)) {
    if (heading) {
      const section = byHeading.get(normaliseHeading(heading.text));
      if (section) {
        const previous = found.get(section.field);
        if (previous) {
          const message =
            normaliseHeading(previous.heading) === normaliseHeading(heading.text)
              ? `the heading '${heading.text}' appears twice in the pull request body; keep one`
              : `the headings '${previous.heading}' and '${heading.text}' are the same field (${section.field}); keep one`;
          throw new AppError('invalid_input', message, { field: section.field });
        }
        current = { section, level: heading.level, lines: [] };
        found.set(section.field, { heading: heading.text, lines: current.lines });
        continue;
      }
      // In a free-text field a deeper unknown heading is part of the text; any other heading ends the field.
      if (!current || heading.level <= current.level || isOneWord(current.section)) {
        current = null;
        continue;
      }
    }
    current?.lines.push(text);
  }
  const fields: Record<string, string> = {};
  for (const s of sections) {
    const lines = found.get(s.field)?.lines;
    const value = lines ? sectionValue(s, lines) : '';
    if (value !== '') fields[s.field] = value;
  }
  return fields;
}

/** Lines with comments removed and ATX headings recognised; code fences are kept verbatim. */
function* markdownLines(
  body: string,
): Generator<{ text: string; heading?: { level: number; text: string } }> {
  let fence: string | null = null;
  let inComment = false;
  for (const raw of body.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    if (fence !== null) {
      if (new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(raw)) fence = null;
      yield { text: raw.trimEnd() };
      continue;
    }
    const stripped = stripComments(raw, inComment);
    inComment = stripped.inComment;
    // A line that held only a comment disappears rather than leaving a blank line.
    if (stripped.text.trim() === '' && raw.trim() !== '') continue;
    const line = stripped.text.trimEnd();
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (opening?.[1]) fence = opening[1];
    const heading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (heading?.[1] && !opening) {
      yield { text: line, heading: { level: heading[1].length, text: (heading[2] ?? '').trim() } };
    } else {
      yield { text: line };
    }
  }
}

/** Removes `<!-- … -->` from one line; a comment left open continues on the next lines, as on GitHub. */
function stripComments(line: string, inComment: boolean): { text: string; inComment: boolean } {
  let out = '';
  let rest = line;
  let open = inComment;
  while (rest !== '') {
    if (open) {
      const end = rest.indexOf('-->');
      if (end === -1) return { text: out, inComment: true };
      rest = rest.slice(end + 3);
      open = false;
    } else {
      const start = rest.indexOf('<!--');
      if (start === -1) return { text: out + rest, inComment: false };
      out += rest.slice(0, start);
      rest = rest.slice(start + 4);
      open = true;
    }
  }
  return { text: out, inComment: open };
}

/** Choice fields and the assignee hold one value; the others are free markdown text. */
function isOneWord(section: Section): boolean {
  return section.choices !== undefined || section.field === 'assignee';
}

function sectionValue(section: Section, lines: string[]): string {
  const ticked: string[] = [];
  const other: string[] = [];
  for (const line of lines) {
    // Only choice fields read boxes: in a backout plan a task list is part of the text.
    const box = section.choices ? /^\s*[-*+]\s+\[([ xX])\]\s*(.*)$/.exec(line) : null;
    if (box) {
      if (box[1] !== ' ') ticked.push(unwrap(box[2] ?? ''));
    } else if (!/^\s*_No response_\s*$/i.test(line)) {
      other.push(line);
    }
  }
  if (ticked.length > 1) {
    throw new AppError(
      'invalid_input',
      `'${section.heading}' has ${ticked.length} boxes ticked (${ticked.join(', ')}); tick one`,
      { field: section.field },
    );
  }
  // A ticked box wins over text left beside the list.
  if (ticked[0]) return ticked[0];
  const text = other
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // People wrap a one-word value in a bullet, backticks, bold or an autolink.
  return isOneWord(section) ? unwrap(text.replace(/^[-*+]\s+/, '')) : text;
}

const wrappers = [
  ['`', '`'],
  ['**', '**'],
  ['*', '*'],
  ['<', '>'],
] as const;

function unwrap(value: string): string {
  let v = value.trim();
  const mailto = /^\[([^\]]*)\]\(mailto:[^)]*\)$/.exec(v);
  if (mailto) v = (mailto[1] ?? '').trim();
  for (;;) {
    const pair = wrappers.find(
      ([open, close]) => v.length > open.length + close.length && v.startsWith(open) && v.endsWith(close),
    );
    if (!pair) return v;
    v = v.slice(pair[0].length, v.length - pair[1].length).trim();
  }
}

function normaliseHeading(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[*`]/g, '')
    .replace(/_/g, ' ')
    .replace(/\((?:required|optional)\)/g, '')
    .replace(/[:\s]+$/g, '')
    .replace(/\s*\/\s*/g, '/')
    .replace(/\s+/g, ' ')
    .trim();
}
