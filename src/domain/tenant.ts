/** A tenant (business unit): every other record belongs to exactly one. */
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  createdAt: number;
}
