import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-ignore plain ESM JavaScript without declarations
import { lossChart, niceTicks } from '../../examples/lib/plot.mjs';
// @ts-ignore plain ESM JavaScript without declarations
import { formatDuration, progressBar } from '../../examples/lib/progress.mjs';

const dir = mkdtempSync(join(tmpdir(), 'wasmtorch-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lossChart', () => {
  it('writes an SVG with one polyline per series, a legend and escaped text, and returns a braille chart', () => {
    const text: string = lossChart({
      title: 'loss <&>', dir, file: 'a.svg', ansi: false,
      series: [{ name: 'rnn', values: [3, 2, 1.5, 1] }, { name: 'lstm', values: [4, 3, NaN, 1] }],
    });
    const svg = readFileSync(join(dir, 'a.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('loss &lt;&amp;&gt;');
    expect(svg.match(/<polyline/g)).toHaveLength(2); // rnn as one run; lstm's NaN leaves a line and a lone point
    expect(svg).toContain('<circle');
    expect(svg).toContain('>rnn</text>');
    const lines = text.split('\n');
    expect(lines[0]).toBe('  loss <&>');
    expect(lines[1]).toMatch(/^ *4 ┤/);
    expect(lines[12]).toMatch(/^ *1 ┤/);
    expect(text).toMatch(/[\u2801-\u28ff]/);
    expect(text).toContain('a.svg');
    expect(text).not.toContain('\x1b[');
  });

  it('writes nothing with file: null and copes with flat or empty data', () => {
    expect(lossChart({ series: [{ name: 'flat', values: [2, 2, 2] }], file: null, ansi: false })).toContain('┤');
    expect(lossChart({ series: [{ name: 'none', values: [] }], file: null, ansi: false })).toContain('└');
    expect(() => lossChart({ series: [], file: null })).toThrow(/lossChart/);
  });

  it('chooses round ticks', () => {
    expect(niceTicks(0.3, 15.7, 9).ticks).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(niceTicks(0, 1, 6).ticks.map((t: number) => +t.toFixed(6))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('progressBar', () => {
  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 100, write: (s: string) => { chunks.push(s); return true; } } };
  }

  it('prints a plain line per quarter when not a terminal', () => {
    let t = 0;
    const { chunks, stream } = sink(false);
    const bar = progressBar({ total: 8, label: 'train', stream, now: () => t });
    for (let i = 0; i < 8; i++) { t += 500; bar.tick(1, `loss=${i}`); }
    bar.done();
    bar.done();
    expect(chunks).toHaveLength(4);
    expect(chunks[3]).toBe('train 100% 8/8 2.0 it/s 0:04<0:00 loss=7\n');
  });

  it('redraws one line on a terminal and ends it on done()', () => {
    let t = 0;
    const { chunks, stream } = sink(true);
    const bar = progressBar({ total: 4, stream, now: () => t });
    for (let i = 0; i < 4; i++) { t += 1000; bar.tick(); }
    bar.done();
    expect(chunks.every((c) => c.startsWith('\r') || c === '\n')).toBe(true);
    expect(chunks.at(-1)).toBe('\n');
    expect(chunks.at(-2)).toContain('4/4 1.0 it/s 0:04<0:00');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('draws nothing when disabled', () => {
    const { chunks, stream } = sink(true);
    const bar = progressBar({ total: 3, stream, enabled: false });
    bar.tick();
    bar.done();
    expect(chunks).toHaveLength(0);
  });
});
