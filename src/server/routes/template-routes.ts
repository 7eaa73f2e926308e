import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../../api/schemas.js';
import {
  ChangeChecklistSchema,
  ChecklistCheckSchema,
  ChecklistCreateSchema,
  ChecklistSchema,
  ChecklistUpdateSchema,
  TemplateCreateSchema,
  TemplateSchema,
  TemplateUpdateSchema,
} from '../../api/template-schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const TemplateRef = Type.Object({ template: Type.String({ description: 'Template name' }) });
const CategoryRef = Type.Object({ category: Type.String({ description: 'Checklist category' }) });
const ChangeRef = Type.Object({ ref: Type.String({ description: 'CR number (CHG0000042) or id' }) });
const param = (req: { params: unknown }, key: string) => (req.params as Record<string, string>)[key] ?? '';

/** Standard change templates, category checklists, and a CR's checklist (docs/templates-and-checklists.md). */
export function templateRoutes(fastify: FastifyInstance, app: App): void {
  const templates = ['templates'];
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/templates',
    permission: 'template:manage',
    status: 201,
    schema: {
      tags: templates,
      summary: 'Create a standard change template (presets and scope)',
      body: TemplateCreateSchema,
      response: { 201: TemplateSchema, ...errors },
    },
    handler: (api, req) => api.createTemplate(req.body as Record<string, unknown>),
  });
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/templates',
    permission: 'catalog:read',
    schema: {
      tags: templates,
      summary: 'List templates',
      response: { 200: Type.Array(TemplateSchema), ...errors },
    },
    handler: (api) => api.listTemplates(),
  });
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/templates/:template',
    permission: 'catalog:read',
    schema: {
      tags: templates,
      summary: 'A template',
      params: TemplateRef,
      response: { 200: TemplateSchema, ...errors },
    },
    handler: (api, req) => api.getTemplate(param(req, 'template')),
  });
  apiRoute(fastify, app, {
    method: 'PATCH',
    url: '/api/v1/templates/:template',
    permission: 'template:manage',
    schema: {
      tags: templates,
      summary: 'Update a template (value sets, absent leaves, null clears; fields merged key by key)',
      params: TemplateRef,
      body: TemplateUpdateSchema,
      response: { 200: TemplateSchema, ...errors },
    },
    handler: (api, req) => api.updateTemplate(param(req, 'template'), req.body as Record<string, unknown>),
  });
  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/templates/:template',
    permission: 'template:manage',
    schema: {
      tags: templates,
      summary: 'Delete a template; CRs created from it keep their approval',
      params: TemplateRef,
      response: { 200: TemplateSchema, ...errors },
    },
    handler: (api, req) => api.deleteTemplate(param(req, 'template')),
  });

  const checklists = ['checklists'];
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/checklists',
    permission: 'template:manage',
    status: 201,
    schema: {
      tags: checklists,
      summary: 'Create the checklist of a change category',
      body: ChecklistCreateSchema,
      response: { 201: ChecklistSchema, ...errors },
    },
    handler: (api, req) => api.createChecklist(req.body as Record<string, unknown>),
  });
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/checklists',
    permission: 'catalog:read',
    schema: {
      tags: checklists,
      summary: 'List checklists',
      response: { 200: Type.Array(ChecklistSchema), ...errors },
    },
    handler: (api) => api.listChecklists(),
  });
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/checklists/:category',
    permission: 'catalog:read',
    schema: {
      tags: checklists,
      summary: 'A checklist',
      params: CategoryRef,
      response: { 200: ChecklistSchema, ...errors },
    },
    handler: (api, req) => api.getChecklist(param(req, 'category')),
  });
  apiRoute(fastify, app, {
    method: 'PATCH',
    url: '/api/v1/checklists/:category',
    permission: 'template:manage',
    schema: {
      tags: checklists,
      summary: 'Update a checklist: replace its items or change its description',
      params: CategoryRef,
      body: ChecklistUpdateSchema,
      response: { 200: ChecklistSchema, ...errors },
    },
    handler: (api, req) => api.updateChecklist(param(req, 'category'), req.body as Record<string, unknown>),
  });
  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/checklists/:category',
    permission: 'template:manage',
    schema: {
      tags: checklists,
      summary: 'Delete a checklist; CRs of the category are no longer gated by it',
      params: CategoryRef,
      response: { 200: ChecklistSchema, ...errors },
    },
    handler: (api, req) => api.deleteChecklist(param(req, 'category')),
  });

  const changes = ['change-requests'];
  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/checklist',
    permission: 'change:read',
    schema: {
      tags: changes,
      summary: "A CR's checklist: its category's required items and which are done",
      params: ChangeRef,
      response: { 200: ChangeChecklistSchema, ...errors },
    },
    handler: (api, req) => api.getChangeChecklist(param(req, 'ref')),
  });
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/change-requests/:ref/checklist/checks',
    permission: 'change:update',
    schema: {
      tags: changes,
      summary: "Complete one item of a CR's checklist (audited, with who and when)",
      params: ChangeRef,
      body: ChecklistCheckSchema,
      response: { 200: ChangeChecklistSchema, ...errors },
    },
    handler: (api, req) => {
      const body = req.body as { item: string; note?: string | null };
      return api.checkChecklistItem(param(req, 'ref'), body.item, body.note ?? undefined);
    },
  });
}
