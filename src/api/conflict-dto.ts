import type { Conflict } from '../domain/conflicts.js';
import type { ChangeConflicts } from '../services/changes/change-conflicts.js';
import type { ChangeConflictsDto, ConflictDto } from './conflict-schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function conflictDto(c: Conflict): ConflictDto {
  return {
    changeRequest: c.number,
    environment: c.environment,
    components: c.components,
    plannedStart: iso(c.window.start),
    plannedEnd: iso(c.window.end),
    overlapStart: iso(c.overlap.start),
    overlapEnd: iso(c.overlap.end),
    explanation: c.explanation,
  };
}

export function changeConflictsDto(c: ChangeConflicts): ChangeConflictsDto {
  return {
    changeRequest: c.changeRequest.number,
    environment: c.changeRequest.environment,
    plannedStart: isoOrNull(c.changeRequest.plannedStart),
    plannedEnd: isoOrNull(c.changeRequest.plannedEnd),
    conflicts: c.conflicts.map(conflictDto),
    reason: c.reason,
  };
}
