/** A progress line per stage on stderr: redrawn in place on a terminal, every 10% otherwise. */

export interface ProgressBar {
  update(stage: string, done: number, total: number): void;
  /** Ends the current line (before a stage summary or an error is printed). */
  finish(): void;
}

const WIDTH = 30;

/** Renders one progress line, e.g. `write      [#########.....]  64%  6400/10000`. */
export function renderProgress(stage: string, done: number, total: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * WIDTH);
  const bar = '#'.repeat(filled) + '.'.repeat(WIDTH - filled);
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  return `${stage.padEnd(14)} [${bar}] ${percent}  ${done}/${total}`;
}

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  let current = '';
  let lastDecile = -1;
  let lastDraw = 0;
  return {
    update(stage, done, total) {
      if (stage !== current) {
        if (current !== '' && tty) stream.write('\n');
        current = stage;
        lastDecile = -1;
      }
      if (tty) {
        const now = Date.now();
        // Redraw at most 20 times a second, and always at the end of a stage.
        if (now - lastDraw < 50 && done < total) return;
        lastDraw = now;
        stream.write(`\r${renderProgress(stage, done, total)}`);
        return;
      }
      const decile = total > 0 ? Math.floor((10 * Math.min(done, total)) / total) : 10;
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${renderProgress(stage, done, total)}\n`);
      }
    },
    finish() {
      if (current !== '' && tty) stream.write('\n');
      current = '';
    },
  };
}
