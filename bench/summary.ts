/** Renders the generated summary section of BENCHMARKS.md from a results file. */
import {
  environmentSection,
  formatFigure,
  formatNumber,
  medianOf,
  numericLeaves,
  table,
} from './report';
import type { BenchResults } from './results';

/** Reads `a.b.c` from a nested value (undefined when any step is missing). */
export function at(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const pct = (value: unknown): string => {
  const m = medianOf(value);
  return m === null ? '—' : `${m >= 0 ? '+' : ''}${(m * 100).toFixed(1)}%`;
};

function qualitySection(r: BenchResults): string {
  const f = r.figures;
  if (at(f, 'quality.served') === undefined && at(f, 'offline.ndcg') === undefined) {
    return '### Quality through the API\n\nNot measured in this run.';
  }
  const metrics = ['precision', 'recall', 'ndcg', 'map', 'coverage'];
  const rows = metrics.map((m) => [
    `${m}@10`,
    formatFigure(at(f, `quality.served.${m}`)),
    formatFigure(at(f, `offline.${m}`)),
    formatFigure(at(f, `qualityWithoutItems.served.${m}`)),
  ]);
  const ndcgRows: string[][] = [
    ['edgerec, served through the API', formatFigure(at(f, 'quality.served.ndcg'))],
    ['edgerec, offline (`npm run evaluate`)', formatFigure(at(f, 'offline.ndcg'))],
    ...Object.entries(r.published.ndcg).map(([model, v]) => [
      `${model} (published)`,
      formatNumber(v),
    ]),
  ];
  // Judged on the median gap over the runs, like every other figure.
  const gap = medianOf(at(f, 'servedVsOffline.ndcgGap'));
  const flagged = gap !== null && gap < -0.01;
  const sources = at(f, 'quality.sourceShares');
  const shares =
    sources && typeof sources === 'object'
      ? Object.entries(sources)
          .map(([s, v]) => `${s} ${formatFigure(v, 2)}`)
          .join(', ')
      : '—';
  return [
    `### Quality through the API (${r.data.quality})`,
    '',
    'Training file imported through `POST /v1/events`, catalogue (genres as categories) through `POST /v1/items`, batch through `POST /v1/admin/batch`; then `GET /v1/users/{id}/recommendations?k=10` for every test user, scored with the offline metric functions (PRODUCT.md protocol).',
    '',
    table(['metric', 'served (API)', 'offline, same files', 'served, no catalogue posted'], rows),
    '',
    table(['model', 'nDCG@10'], ndcgRows),
    '',
    `Served vs offline nDCG: ${pct(at(f, 'servedVsOffline.ndcgGap'))}${flagged ? ' — **FLAGGED: the served answers lose more than 1% nDCG against the offline model**' : at(f, 'servedVsOffline.ndcgGap') === undefined ? '' : ' (within the 1% budget)'}. Batch wall time through the API: ${formatFigure(at(f, 'quality.batch.wallMs'), 3)} ms; import ${formatFigure(at(f, 'quality.eventsImport.eventsPerSecond'))} events/s (batches of 1,000; requests that failed with a 5xx and were retried as halves: ${formatFigure(at(f, 'quality.eventsImport.splits'))}), catalogue ${formatFigure(at(f, 'quality.itemsImport.ms'))} ms for ${formatFigure(at(f, 'quality.itemsImport.items'))} items. Share of served items per source: ${shares}. Degraded answers: ${formatFigure(at(f, 'quality.degradedAnswers'))}; answers from another model version: ${formatFigure(at(f, 'quality.staleAnswers'))}.`,
    '',
    'Reproduce: `npm run bench -- --only quality` (offline alone: `npm run evaluate -- --train ../shared/data/ml-100k/splits/ms-item-stratified-75-seed42/train.tsv --test ../shared/data/ml-100k/splits/ms-item-stratified-75-seed42/test.tsv`).',
  ].join('\n');
}

function freshnessSection(r: BenchResults): string {
  const f = r.figures;
  if (at(f, 'freshness.on') === undefined) return '### Freshness lift\n\nNot measured in this run.';
  const row = (label: string, path: string, digits = 3) => [
    label,
    formatFigure(at(f, `freshness.on.${path}`), digits),
    formatFigure(at(f, `freshness.off.${path}`), digits),
  ];
  return [
    `### Freshness lift (temporal replay, ${r.data.replay})`,
    '',
    `First 80% of events by time imported and batched; the next ${formatFigure(at(f, 'freshness.events.replayed'))} events replayed in time order through \`POST /v1/events\`, asking the user's top-10 before each one.`,
    '',
    table(
      ['', 'real-time loop on', 'real-time loop off'],
      [
        row('hit rate@10 of the next item', 'hitRate'),
        row('MRR of the next item', 'mrr'),
        row('GET recommendations p50 ms (replay)', 'getMs.p50'),
        row('POST /v1/events p50 ms (replay)', 'postMs.p50'),
        row('event reflected in the top-10 (share of samples)', 'reflect.reflectedShare'),
        row('ms from POST returning to a reflecting answer, p50', 'reflect.delayMs.p50'),
        row('same, p99', 'reflect.delayMs.p99'),
        row('reflected by the very next request (share)', 'reflect.nextRequestShare'),
      ],
    ),
    '',
    `Lift (on vs off): hit rate ${pct(at(f, 'freshness.hitRateLift'))}, MRR ${pct(at(f, 'freshness.mrrLift'))}.`,
    '',
    'Reproduce: `npm run bench -- --only freshness` (`--replay N` sets the number of replayed events).',
  ].join('\n');
}

function latencySection(r: BenchResults): string {
  const runs = at(r.figures, 'latency.runs');
  if (!runs || typeof runs !== 'object') return '### Latency and throughput\n\nNot measured.';
  const rows = Object.entries(runs as Record<string, unknown>).map(([key, v]) => {
    const [target = key, c = ''] = key.split('@');
    const rt = at(v, 'roundTrips.mean');
    const trips = rt
      ? `${formatFigure(at(rt, 'kv'), 2)} / ${formatFigure(at(rt, 'redis'), 2)} / ${formatFigure(at(rt, 'vector'), 2)}`
      : 'not exposed';
    const handler =
      at(v, 'handlerMs.p50') !== undefined
        ? `${formatFigure(at(v, 'handlerMs.p50'))} / ${formatFigure(at(v, 'handlerMs.p99'))}`
        : '—';
    const rate =
      at(v, 'eventsPerSec') !== undefined
        ? `${formatFigure(at(v, 'reqPerSec'))} (${formatFigure(at(v, 'eventsPerSec'))} events/s)`
        : formatFigure(at(v, 'reqPerSec'));
    // Open-loop runs are keyed by rate (`cache-hit@200/s`); their connections are the peak in flight.
    const load = c.endsWith('/s')
      ? `${c.replace('/s', ' req/s')} open loop (peak ${formatFigure(at(v, 'connections'))} in flight, generator late p99 ${formatFigure(at(v, 'lateP99'))} ms)`
      : c;
    return [
      target,
      load,
      formatFigure(at(v, 'p50')),
      formatFigure(at(v, 'p90')),
      formatFigure(at(v, 'p99')),
      formatFigure(at(v, 'max')),
      handler,
      rate,
      formatFigure(at(v, 'non2xx')),
      trips,
    ];
  });
  const ann = r.runs[0]?.latency?.annSetup;
  const annText = !ann
    ? 'ann-fallback = users whose answers need the vector index'
    : ann.kind === 'new-users'
      ? `ann-fallback = users the batch never saw, with ${ann.eventsPerUser} real-time events each (sampled answers that queried the vector index: ${ann.answersWithAnn}/${ann.checked})`
      : `ann-fallback = users the batch knows whose vector moved on-line with ${ann.eventsPerUser} fresh events each (sampled answers that queried the vector index: ${ann.answersWithAnn}/${ann.checked}; users the batch never saw reached it in ${ann.newUsersTried?.answersWithAnn ?? '—'}/${ann.newUsersTried?.checked ?? '—'} answers)`;
  return [
    '### Latency and throughput (autocannon, same machine)',
    '',
    `Durations per run: ${String(r.options.durationSec)} s. Paths: cache-hit = users the batch knows; ${annText}; cold-user = ids never seen; rank-100 = \`POST /v1/users/{id}/rank\` of 100 catalogue items for a user the batch knows; events-1 / events-100 = \`POST /v1/events\` with 1 or 100 events per request; \`workerd/…\` = the same request against the API's deploy bundle in plain workerd through Miniflare, sharing the stack's stores (no \`wrangler dev\` proxy worker, inspector or log forwarding in front; bench/direct-api.ts). Round trips are the API's \`X-Edgerec-Round-Trips\` header (a recommendation's rate limit check travels in its Redis round trip). Latencies are each response's hrtime (sub-millisecond). Connections = a closed loop that keeps that many requests in flight (at saturation its latency is queueing: connections / throughput); req/s open loop = Poisson arrivals at that mean rate whatever the answers' latency, against plain workerd only (bench/paced.ts; \`loopback-floor\` = the generator against a Node server that answers at once), the latency a service level is stated for. Handler = the \`total\` of the answers' \`Server-Timing\` (the worker's own time; the rest of the client's time is workerd, \`wrangler dev\` and the loopback network).`,
    '',
    table(
      [
        'path',
        'connections or arrival rate',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'handler p50 / p99 ms',
        'req/s',
        'non-2xx',
        'KV / Redis / vector round trips per request',
      ],
      rows,
    ),
    '',
    'Reproduce: `npm run bench -- --only quality,latency` (latency needs the imported data; `--duration S`, `--concurrency 1,8,32`, `--rates 50,100,200`).',
  ].join('\n');
}

function naiveSection(r: BenchResults): string {
  const f = r.figures;
  if (at(f, 'naive') === undefined) return '### Naive baseline\n\nNot measured in this run.';
  const servedP50 = medianOf(at(f, 'latency.runs.cache-hit@1.p50'));
  const rows = (['catalogue', 'generated100k'] as const).map((key) => {
    const naiveP50 = medianOf(at(f, `naive.${key}.perRequestMs.p50`));
    return [
      `${formatFigure(at(f, `naive.${key}.items`))} items × ${formatFigure(at(f, `naive.${key}.dims`))} dims`,
      formatFigure(at(f, `naive.${key}.perRequestMs.p50`)),
      formatFigure(at(f, `naive.${key}.perRequestMs.p99`)),
      formatFigure(at(f, `naive.${key}.reqPerSecPerCore`)),
      servedP50 === null ? '—' : formatNumber(servedP50),
      servedP50 === null || naiveP50 === null ? '—' : `${formatNumber(naiveP50 / servedP50)}×`,
    ];
  });
  return [
    '### Naive baseline (exact scoring of every item per request, in-process)',
    '',
    'Dot product of the user vector with every item vector and a full sort, in this Node process (CPU only, no HTTP), against the served end-to-end p50 of a cache hit at one connection (HTTP + workerd + stores). The served path reads precomputed candidates, so its cost does not grow with the catalogue; the naive one grows linearly.',
    '',
    table(
      [
        'catalogue',
        'naive ms/request p50',
        'naive p99',
        'naive req/s per core',
        'served p50 ms (cache hit, c=1)',
        'naive / served',
      ],
      rows,
    ),
    '',
    'Reproduce: `npm run bench -- --only quality,latency,naive`.',
  ].join('\n');
}

function componentSection(r: BenchResults): string {
  const parts: string[] = ['### Batch, pipeline and vector index (component benchmarks)', ''];
  const names: Record<string, string> = {
    batch: 'Batch: per-stage time, ALS throughput, peak memory (`npx tsx batch/measure.ts`)',
    pipeline: 'Pure pipeline: CPU per request, 500 candidates scored and ranked to 20',
    vectorRecall:
      'Vector server: ANN recall@10 and query time (`npx tsx local/vector-rest/measure-recall.ts`)',
  };
  for (const [name, title] of Object.entries(names)) {
    const first = r.runs.find((run) => run.components?.[name])?.components?.[name];
    parts.push(`#### ${title}`, '');
    if (!first) {
      parts.push('Not run.', '');
      continue;
    }
    if (!first.ok) {
      parts.push(`Not measured: ${first.skipped ?? first.error ?? 'failed'}.`, '');
      continue;
    }
    const leaves = numericLeaves(at(r.figures, `components.${name}.output`), 60);
    parts.push(
      table(
        ['figure', 'value'],
        leaves.map(([k, v]) => [k, formatFigure(v)]),
      ),
      '',
    );
    parts.push(
      `Reproduce: \`npx tsx ${first.script}${first.args.length ? ` ${first.args.join(' ')}` : ''}\`.`,
      '',
    );
  }
  return parts.join('\n');
}

/** The whole generated section. */
export function renderSummary(r: BenchResults): string {
  const errors = r.errors.length
    ? [
        '### Measurements that failed',
        '',
        ...r.errors.map((e) => `- ${e.section} (run ${e.run}): ${e.message.split('\n')[0]}`),
      ].join('\n')
    : '';
  const repeats = Number(r.options.repeats ?? r.runs.length) || r.runs.length;
  return [
    '## Results',
    '',
    environmentSection(r.environment, repeats),
    r.data.note ? `\n> ${r.data.note}` : '',
    '',
    qualitySection(r),
    '',
    freshnessSection(r),
    '',
    latencySection(r),
    '',
    naiveSection(r),
    '',
    componentSection(r),
    errors,
  ]
    .filter((s, i, all) => !(s === '' && all[i - 1] === ''))
    .join('\n');
}
