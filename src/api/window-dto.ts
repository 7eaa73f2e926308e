import type { ChangeWindow, Occurrence, WindowOverride } from '../domain/windows.js';
import type { WindowDetail, WindowStatus } from '../services/windows/window-service.js';
import type {
  OccurrenceDto,
  WindowDetailDto,
  WindowDto,
  WindowListDto,
  WindowOverrideDto,
  WindowStatusDto,
} from './window-schemas.js';

/** Domain → API shapes for windows; keys in schema order so local and remote print alike. */

const iso = (ms: number) => new Date(ms).toISOString();

export function windowDto(w: ChangeWindow): WindowDto {
  const s = w.schedule;
  const recurring = s.type === 'recurring' ? s : null;
  return {
    id: w.id,
    name: w.name,
    kind: w.kind,
    schedule: s.type,
    start: s.type === 'once' ? iso(s.start) : null,
    end: s.type === 'once' ? iso(s.end) : null,
    rrule: recurring?.rrule ?? null,
    startTime: recurring?.startTime ?? null,
    duration: recurring?.duration ?? null,
    timeZone: recurring?.timeZone ?? null,
    from: recurring?.from ?? null,
    until: recurring === null || recurring.until === null ? null : iso(recurring.until),
    environments: w.environments,
    components: w.components,
    reason: w.reason,
    createdBy: w.createdBy,
    createdAt: iso(w.createdAt),
  };
}

export function occurrenceDto(o: Occurrence): OccurrenceDto {
  return { start: iso(o.start), end: iso(o.end) };
}

export function windowStatusDto(s: WindowStatus): WindowStatusDto {
  return {
    ...windowDto(s.window),
    activeOccurrence: s.active && occurrenceDto(s.active),
    nextOccurrence: s.next && occurrenceDto(s.next),
  };
}

export function windowListDto(list: { at: number; windows: WindowStatus[] }): WindowListDto {
  return { at: iso(list.at), windows: list.windows.map(windowStatusDto) };
}

export function windowOverrideDto(o: WindowOverride): WindowOverrideDto {
  return {
    id: o.id,
    window: o.windowName,
    changeRequest: o.changeRequestNumber,
    reason: o.reason,
    grantedBy: o.grantedBy,
    grantedAt: iso(o.grantedAt),
  };
}

export function windowDetailDto(d: WindowDetail): WindowDetailDto {
  return {
    ...windowStatusDto(d),
    occurrences: d.occurrences.map(occurrenceDto),
    overrides: d.overrides.map(windowOverrideDto),
  };
}
