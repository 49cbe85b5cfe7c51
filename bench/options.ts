/** Command-line options of `npm run bench` (pure parsing, so it is unit-tested). */

export const SECTIONS = ['quality', 'freshness', 'latency', 'naive', 'components'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  /** Repetitions of every measurement (medians and spread are reported over them). */
  repeats: number;
  /** Events replayed in the freshness measurement. */
  replay: number;
  /** Seconds per load run, and the concurrency levels. */
  durationSec: number;
  concurrencies: number[];
  /** Arrival rates (requests per second) of the open-loop load runs (bench/paced.ts). */
  rates: number[];
  /** Users of the MovieLens slice in quick mode (all users in full mode). */
  quickUsers: number;
  /** Also measure quality without posting the catalogue first (once), to see if items matter. */
  withoutItems: boolean;
  sections: Set<Section>;
  /** Results file (default bench/results/latest.json, or quick.json with --quick). */
  out: string | null;
}

const USAGE = `usage: npm run bench -- [--quick] [--repeats N] [--replay N] [--duration S]
       [--concurrency 1,8,32] [--rates 50,100,200 (0: none)] [--only quality,freshness,latency,naive,components]
       [--without-items | --no-without-items] [--out FILE]`;

/** Parses argv (without node and script); throws an Error with the usage on bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  // Quick is CI's smoke run (a minute or two on an idle 2-core machine): every section end to end
  // on small inputs. Its stack starts and batch runs are fixed costs; what scales is kept small.
  const o: BenchOptions = {
    quick,
    repeats: quick ? 1 : 3,
    replay: quick ? 50 : 5000,
    durationSec: quick ? 1 : 10,
    concurrencies: quick ? [8] : [1, 8, 32],
    // Up to about a quarter of what plain workerd serves at 8 connections on a 2-core machine.
    rates: quick ? [50] : [50, 100, 200],
    quickUsers: 50,
    withoutItems: !quick,
    sections: new Set(SECTIONS),
    out: null,
  };
  const positiveInt = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${flag} needs a positive integer, got "${v ?? ''}"\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    switch (arg) {
      case '--quick':
        break;
      case '--repeats':
        o.repeats = positiveInt(arg, value());
        break;
      case '--replay':
        o.replay = positiveInt(arg, value());
        break;
      case '--duration':
        o.durationSec = positiveInt(arg, value());
        break;
      case '--users':
        o.quickUsers = positiveInt(arg, value());
        break;
      case '--concurrency':
        o.concurrencies = value()
          .split(',')
          .map((c) => positiveInt(arg, c));
        break;
      case '--rates': {
        const v = value();
        o.rates = v === '0' ? [] : v.split(',').map((c) => positiveInt(arg, c));
        break;
      }
      case '--only': {
        const names = value().split(',');
        const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
        if (bad.length) throw new Error(`unknown section ${bad.join(', ')}\n${USAGE}`);
        o.sections = new Set(names as Section[]);
        break;
      }
      case '--without-items':
        o.withoutItems = true;
        break;
      case '--no-without-items':
        o.withoutItems = false;
        break;
      case '--out':
        o.out = value();
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return o;
}
