/**
 * The real-time loop for `POST /v1/events`: normalise (ids, timestamps, weights), then one Redis
 * round trip that de-duplicates, appends to the durable log and updates recent history, session,
 * consumed set and trending; after the answer, fold-in refreshes the affected users' vectors.
 */
import type { OnlineUserVector } from '../../../shared/domain/artefacts';
import { eventIdOf } from '../../../shared/domain/event-ids';
import { IngestUnconfirmedError, StoreError } from '../../../shared/errors';
import { toMillis, type EventInput } from '../../../shared/domain/events';
import {
  foldInUser,
  prepareFoldIn,
  type FoldInBasis,
  type FoldInInteraction,
} from '../../../shared/pipeline/fold-in';
import type { ServingModel } from '../../../shared/pipeline/serving-model';
import type { IngestEvent, IngestResult } from '../../../shared/ports/state-store';
import type { Deps } from '../app-env';

/** Consumed items stay out of answers for a week after the event (the batch's `seen` covers the rest). */
const CONSUMED_TTL_SECONDS = 7 * 24 * 3600;
/** Trending ZSETs keep this many members. */
const TRENDING_CAP = 2000;
/** Online vectors outlive a batch cycle comfortably; the version tag retires them anyway. */
const USER_VECTOR_TTL_SECONDS = 14 * 24 * 3600;

/** Each model's shared fold-in factorisation, computed on its first fold-in (models are cached). */
const foldInBases = new WeakMap<ServingModel, FoldInBasis>();

/** The event's weight: the type's configured weight, times `value` for ratings. */
export function eventWeight(
  weights: Readonly<Record<string, number>>,
  event: { type: string; value?: number },
): number {
  const base = weights[event.type] ?? 1;
  if (event.type === 'rating') return base * Math.max(0, event.value ?? 0);
  return base;
}

/** Normalises the validated input events, oldest first (the recent list is ordered by event time). */
export function normaliseEvents(
  inputs: readonly EventInput[],
  weights: Readonly<Record<string, number>>,
  model: ServingModel | null,
  nowMs: number,
  /** The edge location that received the request; events without a `context.colo` get it. */
  colo?: string,
  /** The request's `Idempotency-Key`, for the ids of events with neither id nor timestamp. */
  idempotencyKey?: string,
): IngestEvent[] {
  const events = inputs.map((input): IngestEvent => {
    const timestamp = input.timestamp === undefined ? nowMs : toMillis(input.timestamp);
    const id = eventIdOf(input, timestamp, idempotencyKey);
    const row = model?.rowOf.get(input.itemId);
    const context =
      colo === undefined || input.context?.colo !== undefined
        ? input.context
        : { ...input.context, colo };
    return {
      id,
      userId: input.userId,
      itemId: input.itemId,
      type: input.type,
      ...(input.value === undefined ? {} : { value: input.value }),
      timestamp,
      ...(input.sessionId === undefined ? {} : { sessionId: input.sessionId }),
      ...(context === undefined ? {} : { context }),
      weight: eventWeight(weights, input),
      categories: row === undefined ? null : (model!.manifest.items[row]?.categories ?? []),
    };
  });
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
    .map(({ e }) => e);
}

/** Runs the one-round-trip ingest. */
export async function ingestEvents(
  deps: Deps,
  inputs: readonly EventInput[],
  nowMs: number,
  colo?: string,
  idempotencyKey?: string,
): Promise<IngestResult> {
  const model = deps.models.peek(deps.models.lastVersion);
  const events = normaliseEvents(
    inputs,
    deps.config.EDGEREC_EVENT_WEIGHTS,
    model,
    nowMs,
    colo,
    idempotencyKey,
  );
  let result: IngestResult;
  try {
    result = await deps.state.ingest(events, {
      trendingHalfLifeMs: deps.config.EDGEREC_TRENDING_HALF_LIFE_HOURS * 3600 * 1000,
      trendingCap: TRENDING_CAP,
      consumedTtlSeconds: CONSUMED_TTL_SECONDS,
      returnUsers: deps.config.EDGEREC_REALTIME === 'on',
    });
  } catch (error) {
    // A failed or late write is not a refused one: the script may have run (or still run) in
    // Redis, so the answer says the outcome is unknown and whether a retry is safe.
    if (!(error instanceof StoreError)) throw error;
    throw new IngestUnconfirmedError(
      error.store,
      isRetrySafe(inputs, idempotencyKey !== undefined),
      error,
    );
  }
  deps.models.observe(result.version);
  return result;
}

/**
 * True when resending `inputs` cannot count an event twice: the request has an `Idempotency-Key`,
 * or every event has an id or a timestamp from which the same id is derived again (without any of
 * them, the id depends on the time of arrival).
 */
export function isRetrySafe(inputs: readonly EventInput[], keyed = false): boolean {
  return keyed || inputs.every((e) => e.id !== undefined || e.timestamp !== undefined);
}

/**
 * Fold-in of every user the ingest touched, against the served version's item factors, written
 * back tagged with that version (a later batch's version makes them stale). Runs after the answer.
 */
export async function foldInUsers(
  deps: Deps,
  result: IngestResult,
  nowMs: number,
): Promise<number> {
  if (result.version === null || result.users.size === 0) return 0;
  const model = await deps.models.get(result.version, deps.results);
  if (!model) return 0;
  const { lambda, alpha, priorWeight } = model.manifest.foldIn;
  let basis = foldInBases.get(model);
  if (basis === undefined) {
    basis = prepareFoldIn(model.dims, model.manifest.gram, model.factors, lambda, priorWeight);
    foldInBases.set(model, basis);
  }
  const vectors = new Map<string, OnlineUserVector>();
  for (const [userId, user] of result.users) {
    const weights = new Map<number, number>();
    for (const r of user.recentWeights) {
      const row = model.rowOf.get(r.itemId);
      if (row === undefined || !(r.weight > 0)) continue;
      weights.set(row, (weights.get(row) ?? 0) + r.weight);
    }
    if (weights.size === 0) continue;
    const interactions: FoldInInteraction[] = [...weights].map(([row, weight]) => ({
      row,
      weight,
    }));
    const prior =
      user.batchVector !== null && user.batchVector.length === model.dims ? user.batchVector : null;
    const priorNorm = prior === null ? 0 : Math.hypot(...prior);
    const x = foldInUser({
      dims: model.dims,
      gram: model.manifest.gram,
      basis,
      factors: model.factors,
      interactions,
      prior,
      lambda,
      alpha,
      priorWeight,
      confidence: model.manifest.foldIn.confidence,
      epsilon: model.manifest.foldIn.epsilon,
      // Bounded: at most twice the batch vector's length (or a typical item's length for a new user).
      maxNorm: Math.max(2 * priorNorm, 2 * model.meanItemNorm),
    });
    const previous = user.online?.version === result.version ? user.online.events : 0;
    vectors.set(userId, {
      version: result.version,
      vector: Array.from(x),
      updatedAt: nowMs,
      events: previous + 1,
    });
  }
  await deps.state.writeUserVectors(vectors, USER_VECTOR_TTL_SECONDS);
  // Written: this isolate's next recommendation for these users can send its vector query early.
  // (Not for a version a batch replaced while this ran: that would drop every vector held.)
  if (result.version === deps.models.lastVersion) {
    for (const [userId, v] of vectors) {
      deps.userVectors.set(v.version, userId, { vector: v.vector, annAlone: true });
    }
  }
  return vectors.size;
}
