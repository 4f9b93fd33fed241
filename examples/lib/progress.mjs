// A progress bar for training loops: one updating line on a terminal (bar, count, rate, elapsed, ETA), and a
// plain line at each quarter when the stream is not a terminal (logs, CI). Dependency-free.
//
//   const bar = progressBar({ total: epochs, label: 'train' });
//   for (...) { ...; bar.tick(1, `loss=${loss.toFixed(4)}`); }
//   bar.done();

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

function formatRate(count, seconds) {
  if (count === 0 || seconds <= 0) return '? it/s';
  const rate = count / seconds;
  return rate >= 1 ? `${rate.toFixed(rate >= 100 ? 0 : 1)} it/s` : `${(1 / rate).toFixed(1)} s/it`;
}

/**
 * `total`: expected ticks; `label`: shown first; `stream`: where to draw (a falsy stream, or `enabled: false`,
 * gives a bar that draws nothing). `now` (ms clock) is injectable for tests.
 */
export function progressBar({ total, label = '', stream = process.stderr, enabled = true, now = () => performance.now() }) {
  if (!(total >= 0)) throw new Error(`progressBar: expected total >= 0, got ${total}`);
  if (!enabled || !stream) return { tick() {}, done() {}, get count() { return 0; } };
  const tty = Boolean(stream.isTTY);
  const start = now();
  let count = 0, info = '', lastDraw = -Infinity, nextQuarter = 1, finished = false;

  const line = () => {
    const elapsed = (now() - start) / 1000;
    const fraction = total > 0 ? Math.min(1, count / total) : 1;
    const eta = count > 0 ? (elapsed / count) * Math.max(0, total - count) : NaN;
    const stats = `${count}/${total} ${formatRate(count, elapsed)} ${formatDuration(elapsed)}<${formatDuration(eta)}`;
    const head = label ? `${label} ` : '';
    const tail = info ? ` ${info}` : '';
    if (!tty) return `${head}${Math.round(fraction * 100)}% ${stats}${tail}`;
    const columns = stream.columns || 80;
    const barWidth = Math.max(10, Math.min(30, columns - head.length - stats.length - tail.length - 10));
    const filled = Math.round(fraction * barWidth);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
    return `${head}${String(Math.round(fraction * 100)).padStart(3)}% ${bar} ${stats}${tail}`.slice(0, columns - 1);
  };

  const draw = (force) => {
    if (tty) {
      const t = now();
      if (!force && t - lastDraw < 100) return;
      lastDraw = t;
      stream.write(`\r${line()}\x1b[K`);
    } else if (force || (total > 0 && count >= (nextQuarter * total) / 4)) {
      while (total > 0 && count >= (nextQuarter * total) / 4) nextQuarter++;
      stream.write(`${line()}\n`);
    }
  };

  return {
    /** Advances by `n` and optionally replaces the text shown after the stats. */
    tick(n = 1, text) {
      if (finished) return;
      count += n;
      if (text !== undefined) info = text;
      draw(false);
    },
    /** Draws the final state and ends the line; later calls do nothing. */
    done() {
      if (finished) return;
      finished = true;
      if (tty) { draw(true); stream.write('\n'); } else if (nextQuarter <= 4) draw(true);
    },
    get count() { return count; },
  };
}
