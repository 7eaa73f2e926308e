import type { EnvironmentPurpose } from './change-request.js';

/** A deployment target; its purpose and detail are copied onto the CRs that target it. */
export interface Environment {
  id: string;
  tenantId: string;
  name: string;
  purpose: EnvironmentPurpose;
  detail: string | null;
  createdAt: number;
}
