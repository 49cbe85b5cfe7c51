/** Batch run reports (Redis `batchRun`), as `GET /v1/admin/batch/{runId}` returns them. */
import { z } from 'zod';
import type { RankingMetrics } from './artefacts';

/**
 * Optional training settings of one run: the body of `POST /v1/admin/batch`, which the API worker
 * forwards unchanged as the batch worker's `POST /runs` body.
 */
export const batchTriggerSchema = z
  .object({
    dims: z.number().int().min(2).max(1024).optional(),
    seed: z.number().int().optional(),
    tune: z.enum(['auto', 'off']).optional(),
    model: z.enum(['auto', 'als', 'ease']).optional(),
  })
  .strict();

export type BatchTrigger = z.infer<typeof batchTriggerSchema>;

export type BatchRunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'refused';

export interface BatchStageReport {
  name: string;
  ms: number;
  detail?: Record<string, number | string>;
}

export interface BatchRunReport {
  runId: string;
  state: BatchRunState;
  trigger: 'cron' | 'api' | 'cli';
  /** The version this run writes; served only if the run succeeded. */
  version: string;
  startedAt: number;
  finishedAt?: number;
  data?: { events: number; users: number; items: number; nonZeros: number };
  stages: BatchStageReport[];
  hyperParameters?: Record<string, number | string>;
  metrics?: RankingMetrics;
  error?: string;
  /** When garbage collection deleted this run's outputs (a version no longer current or previous). */
  garbageCollectedAt?: number;
}
