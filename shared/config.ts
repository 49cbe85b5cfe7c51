/** Configuration of both workers, parsed and validated once from `env` (zod). */
import { z } from 'zod';
import { DEFAULT_EVENT_WEIGHTS } from './domain/events';

const jsonOf = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return schema.parse(JSON.parse(text)) as z.infer<T>;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `invalid JSON value: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** One API key: its SHA-256 hex digest (the key itself is never stored) and its scopes. */
export const apiKeySchema = z.object({
  id: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.enum(SCOPES)).min(1),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const configSchema = z.object({
  UPSTASH_REDIS_REST_URL: z.url(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  UPSTASH_VECTOR_REST_URL: z.url(),
  UPSTASH_VECTOR_REST_TOKEN: z.string().min(1),
  /** JSON array of `ApiKey`. */
  EDGEREC_API_KEYS: jsonOf(z.array(apiKeySchema)).default([]),
  /** JSON object: weight per event type (merged over the defaults). */
  EDGEREC_EVENT_WEIGHTS: jsonOf(z.record(z.string(), z.number().nonnegative()))
    .default({})
    .transform((w) => ({ ...DEFAULT_EVENT_WEIGHTS, ...w })),
  /** Embedding dimensions of the item vectors (must match the vector index). */
  EDGEREC_DIMS: z.coerce.number().int().min(2).max(1024).default(64),
  /** `off` disables the real-time loop (benchmarks measure the lift); users never see this. */
  EDGEREC_REALTIME: z.enum(['on', 'off']).default('on'),
  /** Comma-separated origins allowed by CORS (`*` for any). */
  EDGEREC_CORS_ORIGINS: z.string().default(''),
  /** Requests per minute per API key (0 disables rate limiting). */
  EDGEREC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().nonnegative().default(6000),
  EDGEREC_ENV: z.string().default('production'),
});

export type Config = z.infer<typeof configSchema>;

/** Parses `env` once; throws a `z.ZodError` naming every missing or invalid setting. */
export function parseConfig(env: Record<string, unknown>): Config {
  return configSchema.parse(env);
}
