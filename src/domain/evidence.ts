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

/**
 * The form an asset URI is indexed and matched by: for a repository asset (`<url>#<commit>`) the
 * scheme and host are lower-cased and a trailing `/` or `.git` is dropped, so the same commit written
 * two ways is one asset. Other URIs (artifacts with digests) are matched exactly.
 */
export function assetKey(uri: string): string {
  const hash = uri.lastIndexOf('#');
  if (hash < 0) return uri;
  let repo = uri
    .slice(0, hash)
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/]+)(.*)$/i.exec(repo);
  if (m) repo = `${(m[1] as string).toLowerCase()}${(m[2] as string).toLowerCase()}${m[3]}`;
  return `${repo}#${uri.slice(hash + 1).toLowerCase()}`;
}
