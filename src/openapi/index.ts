/**
 * @module openapi
 * OpenAPI 3.1 export of the generated endpoints.
 */
export {
  buildEndpointDocument,
  buildOpenApiDocument,
  isDocumented,
  toYaml,
  JSON_SCHEMA_DIALECT,
  type DocumentEntry,
  type OpenApiDocument,
  type OpenApiDocumentOptions,
} from './document';
export { ERROR_RESPONSES, PROBLEM_MEDIA_TYPE } from './components';
