import type {
  AttachmentDto,
  AuditEventDto,
  AuditVerifyDto,
  ChangeRequestDetailDto,
  ChangeRequestDto,
  ChangeRequestPageDto,
  CheckpointDto,
  CommentDto,
  EnvironmentDto,
  TenantDto,
  TokenDto,
} from '../api/schemas.js';

export interface ChangeListQuery {
  state?: string[];
  environment?: string[];
  type?: string[];
  approval?: string[];
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface AttachmentUpload {
  kind?: string;
  name: string;
  mediaType?: string;
  sha256?: string;
  content: Buffer;
}

/**
 * The port the CLI (and later the pipeline) talks to. Two adapters: local (services on the database)
 * and remote (HTTP client of `changegate serve`). Both return the API's JSON shapes, so output is the same.
 */
export interface ChangegateApi {
  createChangeRequest(input: Record<string, unknown>): Promise<ChangeRequestDto>;
  getChangeRequest(ref: string): Promise<ChangeRequestDetailDto>;
  listChangeRequests(query: ChangeListQuery): Promise<ChangeRequestPageDto>;
  updateChangeRequest(ref: string, patch: Record<string, unknown>): Promise<ChangeRequestDto>;
  requestApproval(ref: string): Promise<ChangeRequestDto>;
  decideApproval(ref: string, decision: 'approved' | 'rejected', comment?: string): Promise<ChangeRequestDto>;
  transitionChangeRequest(ref: string, to: string): Promise<ChangeRequestDto>;
  commentOnChangeRequest(ref: string, body: string): Promise<CommentDto>;
  attachToChangeRequest(ref: string, upload: AttachmentUpload): Promise<AttachmentDto>;
  listAttachments(ref: string): Promise<AttachmentDto[]>;
  downloadAttachment(
    ref: string,
    attachmentId: string,
  ): Promise<{ attachment: AttachmentDto; content: Buffer }>;
  closeChangeRequest(ref: string, category: string, notes?: string): Promise<ChangeRequestDto>;
  cancelChangeRequest(ref: string, reason?: string): Promise<ChangeRequestDto>;

  createEnvironment(input: { name: string; purpose: string; detail?: string }): Promise<EnvironmentDto>;
  listEnvironments(): Promise<EnvironmentDto[]>;

  auditLog(query: { changeRequest?: string; afterSeq?: number; limit?: number }): Promise<AuditEventDto[]>;
  auditVerify(checkpoint?: unknown): Promise<AuditVerifyDto>;
  auditCheckpoint(): Promise<CheckpointDto>;

  createToken(input: { name: string; role: string }): Promise<{ token: TokenDto; secret: string }>;
  listTokens(): Promise<TokenDto[]>;
  revokeToken(ref: string): Promise<TokenDto>;

  createTenant(input: { slug: string; name?: string }): Promise<TenantDto>;
}
