/**
 * Benchmarks that other parts of the project ship as scripts (batch stages and ALS throughput, the
 * pure pipeline's CPU per request, the vector server's ANN recall), run as child processes; their
 * JSON output is kept whole in the results file.
 */
import { lastJson, runTsx, scriptExists, tail } from './child-process';

/** A component benchmark's outcome. */
export type ComponentResult =
  | { ok: true; script: string; args: string[]; wallMs: number; output: unknown }
  | { ok: false; script: string; args: string[]; skipped?: string; error?: string };

/** One component benchmark: the scripts to try (the first that exists is run) and its arguments. */
export interface ComponentSpec {
  name: string;
  scripts: string[];
  args: string[];
  timeoutMs: number;
}

/** Runs one component benchmark; a missing script or a failing run is reported, never thrown. */
export async function runComponent(spec: ComponentSpec): Promise<ComponentResult> {
  const script = spec.scripts.find(scriptExists);
  if (!script) {
    return {
      ok: false,
      script: spec.scripts.join(' | '),
      args: spec.args,
      skipped: 'script not found',
    };
  }
  try {
    const run = await runTsx(script, spec.args, { timeoutMs: spec.timeoutMs });
    if (run.code !== 0) {
      return {
        ok: false,
        script,
        args: spec.args,
        error: `exit ${run.code}: ${tail(run.stderr || run.stdout)}`,
      };
    }
    const output = lastJson(run.stdout);
    if (output === null) return { ok: false, script, args: spec.args, error: 'no JSON on stdout' };
    return { ok: true, script, args: spec.args, wallMs: run.ms, output };
  } catch (error) {
    return { ok: false, script, args: spec.args, error: (error as Error).message };
  }
}

/**
 * The component benchmarks. A full run measures them at full size (together they take minutes);
 * a quick run runs the same scripts on small inputs — the batch on a small generated event set
 * without tuning, the vector recall on 5,000 vectors (the pipeline script has no size to choose:
 * it takes seconds) — so that each still runs end to end.
 */
export function componentSpecs(quick: boolean): ComponentSpec[] {
  return [
    {
      name: 'batch',
      scripts: ['batch/measure.ts'],
      args: quick ? ['--datasets', 'generated', '--events', '5000', '--tune', 'off'] : [],
      timeoutMs: quick ? 300_000 : 1_800_000,
    },
    {
      name: 'pipeline',
      scripts: [
        'shared/pipeline/bench-pipeline.ts',
        'shared/pipeline/bench.ts',
        'shared/pipeline/measure.ts',
        'workers/api/bench-pipeline.ts',
      ],
      args: [],
      timeoutMs: 300_000,
    },
    {
      name: 'vectorRecall',
      scripts: ['local/vector-rest/measure-recall.ts'],
      args: quick ? ['--quick', '--queries', '20'] : [],
      timeoutMs: quick ? 300_000 : 900_000,
    },
  ];
}
