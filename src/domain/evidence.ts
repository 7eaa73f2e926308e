/** Evidence, modelled on the DevSecOps evidence v2 format (DESIGN.md §4). */

export const evidenceResults = ['success', 'failure', 'pending'] as const;
export type EvidenceResult = (typeof evidenceResults)[number];

/** Where evidence was collected: CI runs are `ci-pipeline`, CD runs use the target environment's name. */
export const ciPipelineEnvironment = 'ci-pipeline';

export interface EvidenceFinding {
  id: string;
  severity: string | null;
  dueDate: number | null;
  exempt: boolean;
}

export interface EvidenceAttachmentRef {
  name: string;
  sha256: string;
  size: number;
}

export interface Evidence {
  id: string;
  /** e.g. `unit_tests`, `code_vulnerability_scan`, `peer_review`, `image_signing`, `acceptance_tests`. */
  evidenceTypeId: string;
  result: EvidenceResult;
  tool: string;
  /** Asset URIs: `docker://reg/app@sha256:…`, `https://repo#<sha>`. */
  assets: string[];
  pipelineRunId: string | null;
  /** `ci-pipeline` or the environment a CD run deployed to. */
  environment: string;
  findings: EvidenceFinding[];
  issues: string[];
  attachments: EvidenceAttachmentRef[];
  date: number;
  createdBy: string;
}

/** A repository URL reduced to what identifies it: no trailing `/` or `.git`, lowercase scheme and host. */
export function normalizeRepoUrl(url: string): string {
  let s = url.trim();
  for (;;) {
    const next = s.replace(/\/+$/, '').replace(/\.git$/i, '');
    if (next === s) break;
    s = next;
  }
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(s);
  return m ? `${(m[1] ?? '').toLowerCase()}${(m[2] ?? '').toLowerCase()}${m[3] ?? ''}` : s;
}

/**
 * The form an asset URI is indexed and matched by: a repository asset (`<url>#<commit>`) gets its URL
 * normalised as readiness compares it (`normalizeRepoUrl`) and its commit lower-cased, so the same
 * commit written two ways is one asset. Other URIs (artifacts with digests) are matched exactly.
 */
export function assetKey(uri: string): string {
  const hash = uri.lastIndexOf('#');
  if (hash <= 0 || hash === uri.length - 1) return uri;
  return `${normalizeRepoUrl(uri.slice(0, hash))}#${uri.slice(hash + 1).toLowerCase()}`;
}
