import { Body, Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Ajv from 'ajv';
import { z } from 'zod';
import {
  ApiJsonBody,
  ApiJsonResponse,
  ApiProblem,
  ApiCredential,
  ApiTenant,
  auditOpenApiDocument,
  dereferenced,
  documentedRoutes,
  jsonSchemaOf,
  operationOf,
  registeredRoutes,
  schemaRef,
  setupOpenApi,
} from './openapi';
import { badRequest } from './validation';

const Note = z.object({ text: z.string().min(1), pinned: z.boolean().default(false) });
const NoteView = z.object({ id: z.uuid(), text: z.string(), pinned: z.boolean() });

@ApiTenant()
@ApiCredential(['notes:write'])
@Controller('v1/notes')
class NotesController {
  @Post()
  @ApiJsonBody(Note, { name: 'NoteBody' })
  @ApiJsonResponse(201, NoteView, { name: 'NoteView', description: 'Created' })
  @ApiProblem(409, 'Duplicate')
  create(@Body() _body: unknown) {
    return {};
  }

  /** Deliberately undocumented: the audit must flag it. */
  @Get()
  list() {
    return [];
  }
}

@Module({ controllers: [NotesController] })
class NotesModule {}

describe('OpenAPI helpers', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = (await Test.createTestingModule({ imports: [NotesModule] }).compile()).createNestApplication({
      logger: false,
    });
  });
  afterAll(() => app.close());

  it('converts zod schemas with zod (OpenAPI 3.0): defaults make input fields optional, nullable stays 3.0', () => {
    expect(jsonSchemaOf(Note).required).toEqual(['text']);
    expect(jsonSchemaOf(Note, 'output').required).toEqual(['text', 'pinned']);
    expect(jsonSchemaOf(z.object({ a: z.string().nullable() })).properties?.a).toMatchObject({
      type: 'string',
      nullable: true,
    });
    expect(jsonSchemaOf(Note)).not.toHaveProperty('$schema');
  });

  it('refuses one component name for two different schemas', () => {
    expect(schemaRef('NoteView', NoteView, 'output')).toEqual({ $ref: '#/components/schemas/NoteView' });
    expect(() => schemaRef('NoteView', Note, 'output')).toThrow(/already used/);
  });

  it('builds the document with named components, the hub security schemes, and audits it', async () => {
    const doc = setupOpenApi(app, { title: 't', description: 'd' });
    await app.init();
    expect(registeredRoutes(app)).toEqual(['GET /v1/notes', 'POST /v1/notes']);
    expect(documentedRoutes(doc)).toEqual(['GET /v1/notes', 'POST /v1/notes']);
    expect(Object.keys(doc.components?.schemas ?? {}).sort()).toEqual([
      'NoteBody',
      'NoteView',
      'Problem',
      'ValidationProblem',
    ]);
    const post = operationOf(doc, 'POST /v1/notes');
    expect(post.security).toEqual([{ apiKey: ['notes:write'] }, { oauth2: ['notes:write'] }]);
    expect(doc.components?.securitySchemes?.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components?.securitySchemes?.oauth2).toMatchObject({ type: 'oauth2' });
    expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '401', '403', '409']);
    expect(auditOpenApiDocument(doc, registeredRoutes(app), { publicRoutes: [] })).toEqual([
      'GET /v1/notes: 200 has no schema',
    ]);
    expect(auditOpenApiDocument(doc, ['POST /v1/notes', 'DELETE /v1/notes'])).toEqual([
      'DELETE /v1/notes: not documented',
      'GET /v1/notes: documented but not served',
      'GET /v1/notes: 200 has no schema',
    ]);
    expect(auditOpenApiDocument(doc, registeredRoutes(app), { publicRoutes: ['POST /v1/notes'] })).toContain(
      'POST /v1/notes: is public but declares security',
    );
  });

  it('the documented 400 schema accepts what badRequest() sends, and rejects a body without errors', async () => {
    const doc = setupOpenApi(app, { title: 't', description: 'd' });
    const schema = dereferenced(
      doc,
      (
        operationOf(doc, 'POST /v1/notes').responses['400'] as {
          content: Record<string, { schema: unknown }>;
        }
      ).content['application/json'].schema,
    );
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
    expect(validate(badRequest([{ field: 'text', message: 'Too small' }]).getResponse())).toBe(true);
    expect(validate({ statusCode: 400, error: 'Bad Request', message: 'text: Too small' })).toBe(false);
  });
});
