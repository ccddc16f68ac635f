import { z } from "zod";
import * as s from "./schemas.js";

type JsonSchema = Record<string, unknown>;

interface RouteSpec {
  readonly method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path template, relative to the mount point. */
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: keyof typeof requestSchemas;
  /** The body may be left out entirely. */
  readonly bodyOptional?: boolean;
  /** Status to component name (or `null` for no body, or a media type for a non-JSON body). */
  readonly responses: Record<number, { description: string; schema?: keyof typeof responseSchemas; media?: string }>;
}

const requestSchemas = {
  CreateSourceRequest: s.createSourceBodySchema,
  UpdateSourceRequest: s.updateSourceBodySchema,
  StartSyncRequest: s.startSyncBodySchema,
  CancelSyncRequest: s.cancelSyncBodySchema,
  SearchRequest: s.searchBodySchema,
};

const responseSchemas = {
  Error: s.errorResponseSchema,
  Source: s.sourceSchema,
  SourceList: s.sourceListSchema,
  SyncStarted: s.syncStartedSchema,
  SyncCancelled: s.syncCancelledSchema,
  Operation: s.operationSchema,
  PageList: s.pageListSchema,
  PageDetail: s.pageDetailSchema,
  SearchResponse: s.searchResponseSchema,
};

const routes: RouteSpec[] = [
  {
    method: "get",
    path: "/sources",
    summary: "List sources",
    responses: { 200: { description: "All sources", schema: "SourceList" } },
  },
  {
    method: "post",
    path: "/sources",
    summary: "Create a source after checking the Confluence connection; credentials are stored encrypted",
    body: "CreateSourceRequest",
    responses: { 201: { description: "Created", schema: "Source" } },
  },
  {
    method: "get",
    path: "/sources/{sourceId}",
    summary: "Get a source",
    params: s.sourceParamsSchema,
    responses: { 200: { description: "The source", schema: "Source" } },
  },
  {
    method: "patch",
    path: "/sources/{sourceId}",
    summary: "Update a source (name, deletion rules, metadata, credentials)",
    params: s.sourceParamsSchema,
    body: "UpdateSourceRequest",
    responses: { 200: { description: "The updated source", schema: "Source" } },
  },
  {
    method: "delete",
    path: "/sources/{sourceId}",
    summary: "Delete a source with its pages and credentials; a running sync is cancelled first",
    params: s.sourceParamsSchema,
    responses: { 204: { description: "Deleted" } },
  },
  {
    method: "post",
    path: "/{sourceId}/sync",
    summary: "Start a background sync; 409 with the running operation id when one runs",
    params: s.sourceParamsSchema,
    body: "StartSyncRequest",
    bodyOptional: true,
    responses: { 202: { description: "Started", schema: "SyncStarted" } },
  },
  {
    method: "post",
    path: "/{sourceId}/sync/cancel",
    summary: "Cancel the running sync of a source",
    params: s.sourceParamsSchema,
    body: "CancelSyncRequest",
    bodyOptional: true,
    responses: { 202: { description: "Cancelling", schema: "SyncCancelled" } },
  },
  {
    method: "get",
    path: "/progress/{operationId}",
    summary: "Progress of a sync operation (ETag, 304 when unchanged)",
    params: s.operationParamsSchema,
    responses: { 200: { description: "The operation", schema: "Operation" } },
  },
  {
    method: "get",
    path: "/progress/{operationId}/stream",
    summary: `Server-Sent Events of a sync operation: ${s.streamEventNames.join(", ")}; the first and last event is "operation"`,
    params: s.operationParamsSchema,
    responses: { 200: { description: "An event stream", media: "text/event-stream" } },
  },
  {
    method: "get",
    path: "/sources/{sourceId}/pages",
    summary: "Pages of a source, paginated; parentId=root for top-level pages, pathPrefix for a subtree",
    params: s.sourceParamsSchema,
    query: s.listPagesQuerySchema,
    responses: { 200: { description: "A page of pages", schema: "PageList" } },
  },
  {
    method: "get",
    path: "/pages/{pageId}",
    summary: "A page with metadata and Markdown; searches every readable source without sourceId",
    params: s.pageParamsSchema,
    query: s.getPageQuerySchema,
    responses: { 200: { description: "The page", schema: "PageDetail" } },
  },
  {
    method: "post",
    path: "/search",
    summary: "Hybrid, vector or keyword search; the server embeds the query",
    body: "SearchRequest",
    responses: { 200: { description: "Ranked hits", schema: "SearchResponse" } },
  },
];

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(where: "path" | "query", schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: where,
    required: where === "path" || !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType, "input"),
  }));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errorStatuses: Record<number, string> = {
  400: "Invalid request (VALIDATION_FAILED with field messages, INVALID_JSON, URL_NOT_ALLOWED)",
  403: "FORBIDDEN, or AUTHORIZATION_NOT_CONFIGURED",
  404: "NOT_FOUND",
  409: "Conflict (SOURCE_EXISTS, SYNC_ALREADY_RUNNING with operationId, SYNC_NOT_RUNNING)",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE: bodies must be application/json",
  422: "Confluence refused (SOURCE_AUTH, SOURCE_NOT_FOUND)",
  500: "INTERNAL",
};

/** The OpenAPI 3.1 document of the router, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(info: { title?: string; version?: string; serverUrl?: string } = {}): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { "application/json": { schema: ref(response.schema) } } }
          : response.media
            ? { content: { [response.media]: { schema: { type: "string" } } } }
            : {}),
      };
    }
    for (const [status, description] of Object.entries(errorStatuses)) {
      responses[status] = { description, content: { "application/json": { schema: ref("Error") } } };
    }
    const operation: Record<string, unknown> = {
      summary: route.summary,
      operationId: `${route.method}${route.path
        .replace(/[{}]/g, "")
        .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())
        .replace(/\W/g, "")}`,
      parameters: [...parameters("path", route.params), ...parameters("query", route.query)],
      responses,
    };
    if (route.body) {
      operation.requestBody = {
        required: !route.bodyOptional,
        content: { "application/json": { schema: ref(route.body) } },
      };
    }
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = operation;
  }
  paths["/openapi.json"] = {
    get: { summary: "This document", operationId: "getOpenapi", responses: { 200: { description: "OpenAPI 3.1" } } },
  };
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(requestSchemas)) schemas[name] = jsonSchema(schema, "input");
  for (const [name, schema] of Object.entries(responseSchemas)) schemas[name] = jsonSchema(schema, "output");
  return {
    openapi: "3.1.0",
    info: { title: info.title ?? "Archon Confluence API", version: info.version ?? "0.1.0" },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: { schemas },
  };
}
