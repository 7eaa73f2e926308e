import type { EnvironmentPurpose } from './change-request.js';

/** A deployment target; its purpose and detail are copied onto the CRs that target it. */
export interface Environment {
  id: string;
  tenantId: string;
  name: string;
  purpose: EnvironmentPurpose;
  detail: string | null;
  /** Regions deployments may name; empty means the environment has one, called `default`. */
  regions: string[];
  /** Whether a failed deployment runs the rollback step (inline rollback). */
  rollbackEnabled: boolean;
  createdAt: number;
}
