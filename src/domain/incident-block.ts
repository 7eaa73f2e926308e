import type { RiskLevel } from './change-request.js';
import { describeIncidentScope, type Incident } from './incident.js';
import { riskAtLeast } from './risk-assessment.js';

/**
 * The major-incident block (docs/incidents.md), as a pure decision: while a major incident is open
 * on a component (or tenant-wide) in an environment (or all), a change of at least high effective
 * risk that touches it does not enter `scheduled` or `implement`, nor pass the deployment gate,
 * unless that incident's commander authorized this change. Emergencies are not exempt: the
 * commander decides.
 */

export const blockingRisk: RiskLevel = 'high';

/** What a change touches when it tries to move on. */
export interface BlockSubject {
  /** CHG0000042 */
  number: string;
  /** null: not known, so an incident in any environment concerns it. */
  environment: string | null;
  /** Empty: not known (the CR names none), so every incident's components concern it. */
  components: readonly string[];
  /** effectiveRisk(cr). */
  risk: RiskLevel | null;
}

export interface IncidentBlockDecision {
  /** Incidents that stop the change: none when it may go on. */
  blocking: Incident[];
  /** Incidents that would stop it but whose commander authorized it. */
  authorized: Incident[];
}

/** Whether an open major incident concerns a change of this scope (whatever its risk). */
export function incidentConcerns(
  incident: Pick<Incident, 'major' | 'status' | 'environment' | 'components'>,
  subject: Pick<BlockSubject, 'environment' | 'components'>,
): boolean {
  if (!incident.major || incident.status !== 'open') return false;
  const environment =
    incident.environment === null ||
    subject.environment === null ||
    incident.environment === subject.environment;
  const components =
    incident.components.length === 0 ||
    subject.components.length === 0 ||
    subject.components.some((c) => incident.components.includes(c));
  return environment && components;
}

/** Which incidents block a change, and which it passes because their commander authorized it. */
export function decideIncidentBlock(
  incidents: readonly Incident[],
  subject: BlockSubject,
  authorizedIncidentIds: ReadonlySet<string>,
): IncidentBlockDecision {
  if (!riskAtLeast(subject.risk, blockingRisk)) return { blocking: [], authorized: [] };
  const concerned = incidents.filter((i) => incidentConcerns(i, subject));
  return {
    blocking: concerned.filter((i) => !authorizedIncidentIds.has(i.id)),
    authorized: concerned.filter((i) => authorizedIncidentIds.has(i.id)),
  };
}

/** The exact command the commander runs to let this change through. */
export function authorizeCommand(incidentNumber: string, changeNumber: string): string {
  return `changegate incident authorize ${incidentNumber} --change ${changeNumber} --reason "…"`;
}

/**
 * Why a change is blocked and how to go on: each incident with its scope and commander, and the
 * command that commander runs. `action` says what was refused ("enter scheduled", "be deployed").
 */
export function explainIncidentBlock(
  subject: Pick<BlockSubject, 'number' | 'risk'>,
  action: string,
  blocking: readonly Incident[],
): string {
  const why = blocking.map(
    (i) =>
      `major incident ${i.number} '${i.title}' is open on ${describeIncidentScope(i)} (commander: ${i.commander ?? 'none named'})`,
  );
  const asks = blocking.map((i) =>
    i.commander
      ? `ask ${i.commander} to run: ${authorizeCommand(i.number, subject.number)}`
      : `${i.number} names no commander, so it blocks until resolved (changegate incident resolve ${i.number})`,
  );
  return `${subject.number} (risk ${subject.risk}) may not ${action} while ${why.join('; ')}. High-risk changes wait until the incident is resolved, unless its commander authorizes them: ${asks.join('; ')}`;
}
