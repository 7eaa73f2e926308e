import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ChangeRequestIncidentsSchema,
  IncidentAuthorizationSchema,
  IncidentAuthorizeSchema,
  IncidentCreateSchema,
  IncidentDetailSchema,
  IncidentLinkCreateSchema,
  IncidentLinkSchema,
  IncidentSchema,
  IncidentUnlinkSchema,
  IncidentUpdateSchema,
} from '../../api/incident-schemas.js';
import { ErrorSchema } from '../../api/schemas.js';
import type { App } from '../../app.js';
import { apiRoute } from '../api-route.js';

const tags = ['incidents'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const Incident = Type.Object({
  incident: Type.String({ description: 'Incident number (INC0000007) or id' }),
});
const incidentOf = (req: FastifyRequest) => (req.params as { incident: string }).incident;

/**
 * Minimal incidents and the major-incident block (docs/incidents.md). Everyone reads them; people
 * who report and run incidents write them (`incident:write`); authorizing a change during one
 * also needs to be its commander, which the service checks by identity.
 */
export function incidentRoutes(fastify: FastifyInstance, app: App): void {
  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents',
    permission: 'incident:write',
    status: 201,
    schema: {
      tags,
      summary: 'Open an incident; a major one blocks high-risk changes to its components',
      body: IncidentCreateSchema,
      response: { 201: IncidentSchema, ...errors },
    },
    handler: (api, req) => api.createIncident(req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/incidents',
    permission: 'incident:read',
    schema: {
      tags,
      summary: 'List incidents, newest first',
      querystring: Type.Object(
        { open: Type.Optional(Type.Boolean({ description: 'Only open incidents' })) },
        { additionalProperties: false },
      ),
      response: { 200: Type.Array(IncidentSchema), ...errors },
    },
    handler: (api, req) => api.listIncidents({ open: (req.query as { open?: boolean }).open }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/incidents/:incident',
    permission: 'incident:read',
    schema: {
      tags,
      summary: 'An incident with its linked change requests and the authorizations its commander granted',
      params: Incident,
      response: { 200: IncidentDetailSchema, ...errors },
    },
    handler: (api, req) => api.getIncident(incidentOf(req)),
  });

  apiRoute(fastify, app, {
    method: 'PATCH',
    url: '/api/v1/incidents/:incident',
    permission: 'incident:write',
    schema: {
      tags,
      summary:
        "Change an incident's title, severity, components, environment, detection time, major flag or commander",
      params: Incident,
      body: IncidentUpdateSchema,
      response: { 200: IncidentSchema, ...errors },
    },
    handler: (api, req) => api.updateIncident(incidentOf(req), req.body as Record<string, unknown>),
  });

  apiRoute(fastify, app, {
    method: 'DELETE',
    url: '/api/v1/incidents/:incident/links/:changeRequest',
    permission: 'incident:write',
    schema: {
      tags,
      summary: 'Remove the link between a change request and the incident',
      params: Type.Object({
        incident: Type.String({ description: 'Incident number (INC0000007) or id' }),
        changeRequest: Type.String({ description: 'CR number (CHG0000042) or id' }),
      }),
      response: { 200: IncidentUnlinkSchema, ...errors },
    },
    handler: (api, req) =>
      api.unlinkIncident(incidentOf(req), (req.params as { changeRequest: string }).changeRequest),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents/:incident/resolve',
    permission: 'incident:write',
    schema: {
      tags,
      summary: 'Resolve an incident: the changes it blocked may go ahead',
      params: Incident,
      response: { 200: IncidentSchema, ...errors },
    },
    handler: (api, req) => api.resolveIncident(incidentOf(req)),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents/:incident/links',
    permission: 'incident:write',
    status: 201,
    schema: {
      tags,
      summary: 'Link a change request to the incident (the risk history counts it against that change)',
      params: Incident,
      body: IncidentLinkCreateSchema,
      response: { 201: IncidentLinkSchema, ...errors },
    },
    handler: (api, req) =>
      api.linkIncident(incidentOf(req), (req.body as { changeRequestId: string }).changeRequestId),
  });

  apiRoute(fastify, app, {
    method: 'POST',
    url: '/api/v1/incidents/:incident/authorizations',
    permission: 'incident:write',
    status: 201,
    schema: {
      tags,
      summary: "Let one change request go ahead during the incident (only the incident's commander)",
      params: Incident,
      body: IncidentAuthorizeSchema,
      response: { 201: IncidentAuthorizationSchema, ...errors },
    },
    handler: (api, req) =>
      api.authorizeIncidentChange(incidentOf(req), req.body as { changeRequestId: string; reason: string }),
  });

  apiRoute(fastify, app, {
    method: 'GET',
    url: '/api/v1/change-requests/:ref/incidents',
    permission: 'incident:read',
    schema: {
      tags,
      summary: 'Open major incidents that block a change request now, and the authorizations it holds',
      params: Type.Object({ ref: Type.String({ description: 'CR number (CHG0000042) or id' }) }),
      response: { 200: ChangeRequestIncidentsSchema, ...errors },
    },
    handler: (api, req) => api.changeRequestIncidents((req.params as { ref: string }).ref),
  });
}
