import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  ComponentCreateSchema,
  ComponentSchema,
  ComponentUpdateSchema,
  GroupCreateSchema,
  GroupSchema,
  GroupUpdateSchema,
} from '../../api/catalog-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const GroupRef = Type.Object({ group: Type.String({ description: 'Group name' }) });
const ComponentRef = Type.Object({
  component: Type.String({ description: "Component name; encode '/' as %2F" }),
});
const group = (req: { params: unknown }) => (req.params as { group: string }).group;
const component = (req: { params: unknown }) => (req.params as { component: string }).component;

/** The ownership registry: groups and the components they own (docs/components.md). */
export function catalogRoutes(fastify: FastifyInstance, app: App): void {
  const groups = ['groups'];
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/groups',
    permission: 'catalog:manage',
    status: 201,
    schema: {
      tags: groups,
      summary: 'Create a group',
      body: GroupCreateSchema,
      response: { 201: GroupSchema, ...errors },
    },
    handler: (api, req) => api.createGroup(req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/groups',
    permission: 'catalog:read',
    schema: {
      tags: groups,
      summary: 'List groups with their members',
      response: { 200: Type.Array(GroupSchema), ...errors },
    },
    handler: (api) => api.listGroups(),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/groups/:group',
    permission: 'catalog:read',
    schema: { tags: groups, summary: 'A group', params: GroupRef, response: { 200: GroupSchema, ...errors } },
    handler: (api, req) => api.getGroup(group(req)),
  });

  apiRoute(fastify, app, {
    method: 'PATCH',
    url: '/api/v1/groups/:group',
    permission: 'catalog:manage',
    schema: {
      tags: groups,
      summary: 'Update the description or IdP groups (value sets, absent leaves, null clears)',
      params: GroupRef,
      body: GroupUpdateSchema,
      response: { 200: GroupSchema, ...errors },
    },
    handler: (api, req) => api.updateGroup(group(req), req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/groups/:group',
    permission: 'catalog:manage',
    schema: {
      tags: groups,
      summary: 'Delete a group; refused (409) while it owns components',
      params: GroupRef,
      response: { 200: GroupSchema, ...errors },
    },
    handler: (api, req) => api.deleteGroup(group(req)),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/groups/:group/members',
    permission: 'catalog:manage',
    schema: {
      tags: groups,
      summary: 'Add a member (a local name such as an email address)',
      params: GroupRef,
      body: Type.Object({ member: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      response: { 200: GroupSchema, ...errors },
    },
    handler: (api, req) => api.addGroupMember(group(req), (req.body as { member: string }).member),
  });

  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/groups/:group/members/:member',
    permission: 'catalog:manage',
    schema: {
      tags: groups,
      summary: 'Remove a member',
      params: Type.Object({ group: Type.String(), member: Type.String() }),
      response: { 200: GroupSchema, ...errors },
    },
    handler: (api, req) => api.removeGroupMember(group(req), (req.params as { member: string }).member),
  });

  const components = ['components'];
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/components',
    permission: 'catalog:manage',
    status: 201,
    schema: {
      tags: components,
      summary: 'Register a component with its owner group, criticality and environments',
      body: ComponentCreateSchema,
      response: { 201: ComponentSchema, ...errors },
    },
    handler: (api, req) => api.createComponent(req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/components',
    permission: 'catalog:read',
    schema: {
      tags: components,
      summary: 'List components',
      response: { 200: Type.Array(ComponentSchema), ...errors },
    },
    handler: (api) => api.listComponents(),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/components/:component',
    permission: 'catalog:read',
    schema: {
      tags: components,
      summary: 'A component',
      params: ComponentRef,
      response: { 200: ComponentSchema, ...errors },
    },
    handler: (api, req) => api.getComponent(component(req)),
  });

  apiRoute(fastify, app, {
    method: 'PATCH',
    url: '/api/v1/components/:component',
    permission: 'catalog:manage',
    schema: {
      tags: components,
      summary: 'Update a component (value sets, absent leaves, null clears)',
      params: ComponentRef,
      body: ComponentUpdateSchema,
      response: { 200: ComponentSchema, ...errors },
    },
    handler: (api, req) => api.updateComponent(component(req), req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/components/:component',
    permission: 'catalog:manage',
    schema: {
      tags: components,
      summary: 'Delete a component; change requests keep the names they recorded',
      params: ComponentRef,
      response: { 200: ComponentSchema, ...errors },
    },
    handler: (api, req) => api.deleteComponent(component(req)),
  });
}
