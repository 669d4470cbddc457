import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';

/**
 * OpenAPI 3.0 schema object of a zod schema's *input* shape, for `@ApiBody({ schema })`: the
 * OpenAPI document (3.0, as @nestjs/swagger writes it) comes from the same zod schemas that validate.
 */
export function jsonSchemaOf(schema: z.ZodTypeAny): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

/** Serves the OpenAPI document at `/docs` (Swagger UI) and `/docs-json`. */
export function setupOpenApi(app: INestApplication): void {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Engagement Hub — handoff orchestrator')
      .setDescription(
        'Bot-to-agent handoffs (intake, state, outcome) and integrations. Every request carries the tenant in ' +
          '`X-Tenant-Id`; in production an API gateway authenticates the bot platform and sets it.',
      )
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
}
