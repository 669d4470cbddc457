import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { ZodValidationPipe, fieldErrors, parseOr400 } from './validation';

const Body = z.object({
  channel: z.enum(['web', 'sms']),
  transcript: z.array(z.object({ timestamp: z.iso.datetime() })),
});

describe('HTTP validation (400 naming the offending fields)', () => {
  it('returns the parsed value when valid', () => {
    expect(new ZodValidationPipe(Body).transform({ channel: 'web', transcript: [] })).toEqual({
      channel: 'web',
      transcript: [],
    });
  });

  it('names every offending field with its dot path', () => {
    try {
      parseOr400(Body, { channel: 'fax', transcript: [{ timestamp: 'yesterday' }] });
      throw new Error('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(BadRequestException);
      const body = (e as BadRequestException).getResponse() as {
        statusCode: number;
        errors: { field: string }[];
        message: string;
      };
      expect(body.statusCode).toBe(400);
      expect(body.errors.map((x) => x.field)).toEqual(['channel', 'transcript.0.timestamp']);
      expect(body.message).toMatch(/^channel: .*; transcript\.0\.timestamp: /);
    }
  });

  it('prefixes paths (query.limit) and reports whole-value problems as the prefix', () => {
    const r = z.object({ limit: z.coerce.number().int() }).safeParse({ limit: 'x' });
    expect(fieldErrors(r.error!.issues, 'query.')).toEqual([
      { field: 'query.limit', message: expect.any(String) },
    ]);
    const whole = z.object({}).safeParse('nope');
    expect(fieldErrors(whole.error!.issues, 'query.')[0].field).toBe('query');
    expect(fieldErrors(whole.error!.issues)[0].field).toBe('(root)');
  });
});
