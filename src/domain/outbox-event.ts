/** An event waiting in the outbox for whatever delivers it (webhooks, mail, chat); docs/escalation.md. */
export interface OutboxEvent {
  id: string;
  tenantId: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: number;
  /** When a deliverer marked it sent; null until then. */
  publishedAt: number | null;
}
