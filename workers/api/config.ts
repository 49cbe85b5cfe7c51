/** The API worker's configuration: the shared settings plus the serving knobs, parsed once (zod). */
import { z } from 'zod';
import { configSchema } from '../../shared/config';

export const apiConfigSchema = configSchema.extend({
  /** Time budget of the ANN source, ms. */
  EDGEREC_SOURCE_BUDGET_MS: z.coerce.number().int().min(1).max(10_000).default(40),
  /** Time budget of the KV read and of the Redis round trip, ms (every source depends on them). */
  EDGEREC_STATE_BUDGET_MS: z.coerce.number().int().min(1).max(10_000).default(250),
  /** Half-life of the trending counters, hours. */
  EDGEREC_TRENDING_HALF_LIFE_HOURS: z.coerce.number().positive().default(24),
  /** Boost of cold-start items as a share of the candidates' score range (0 disables it). */
  EDGEREC_FRESHNESS_BOOST: z.coerce.number().min(0).max(10).default(0.1),
  /** Exposure caps: at most ⌈share·k⌉ items per category / per provider (1 = no cap). */
  EDGEREC_CATEGORY_CAP: z.coerce.number().gt(0).max(1).default(1),
  EDGEREC_PROVIDER_CAP: z.coerce.number().gt(0).max(1).default(1),
  /** `on` lets consumed items be recommended again. */
  EDGEREC_RECONSUMPTION: z.enum(['on', 'off']).default('off'),
  /** Largest accepted request body, bytes. */
  EDGEREC_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;
