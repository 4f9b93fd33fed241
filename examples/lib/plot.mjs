// Line charts for the examples: an SVG file in matplotlib's default look, and a compact braille chart for the
// terminal. Dependency-free.
//
//   const chart = lossChart({ title: 'hello RNNCell', series: [{ name: 'loss', values: losses }],
//                             file: '04-hello-rnncell.svg' });
//   console.log(chart);
//
// x runs 1..n (epochs); a series may give its own `x` array instead. Non-finite values break the line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder that bare file names are written to (git-ignored). */
export const defaultOutDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** matplotlib's default colour cycle (tab10). */
export const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const ansiPalette = [34, 33, 32, 31, 35, 91, 95, 90, 93, 36];

/**
 * Writes an SVG line chart to `file` and returns a terminal chart (with the SVG's path on its last line).
 * `file`: a bare name goes to `dir` (default examples/out/); a path is taken relative to the working directory;
 * `file: null` writes nothing. `ansi` colours the terminal chart (default: when stdout is a terminal).
 */
export function lossChart({ title = '', series, file, dir = defaultOutDir, xLabel = 'epoch', yLabel = 'loss',
  width = 60, height = 12, ansi = Boolean(process.stdout.isTTY) }) {
  const lines = normaliseSeries(series);
  let path = null;
  if (file !== null) {
    path = resolveChartFile(file ?? `${slug(title || 'chart')}.svg`, dir);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, svgChart({ title, series: lines, xLabel, yLabel }));
  }
  const text = terminalChart({ title, series: lines, width, height, ansi });
  return path === null ? text : `${text}\n  chart: ${displayPath(path)}`;
}

/** Where `lossChart` writes `file`. */
export function resolveChartFile(file, dir = defaultOutDir) {
  if (isAbsolute(file)) return file;
  return /[\\/]/.test(file) ? resolve(file) : join(dir, file);
}

function displayPath(path) {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}

function normaliseSeries(series) {
  if (!Array.isArray(series) || series.length === 0) throw new Error('lossChart: expected series: [{ name, values }] with at least one series');
  return series.map((s, i) => {
    const values = Array.from(s.values ?? [], Number);
    const x = s.x ? Array.from(s.x, Number) : values.map((_, j) => j + 1);
    if (x.length !== values.length) {
      throw new Error(`lossChart: series '${s.name}' has ${values.length} values but ${x.length} x positions`);
    }
    return { name: s.name ?? `series ${i + 1}`, x, values, color: s.color ?? palette[i % palette.length], index: i };
  });
}

/** Data extent over all series (finite points only), padded when flat. */
function extent(series) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    s.values.forEach((v, j) => {
      if (!Number.isFinite(v) || !Number.isFinite(s.x[j])) return;
      x0 = Math.min(x0, s.x[j]); x1 = Math.max(x1, s.x[j]);
      y0 = Math.min(y0, v); y1 = Math.max(y1, v);
    });
  }
  if (x0 > x1) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  if (x0 === x1) { x0 -= 0.5; x1 += 0.5; }
  if (y0 === y1) { const pad = Math.abs(y0) * 0.1 || 0.5; y0 -= pad; y1 += pad; }
  return { x0, x1, y0, y1 };
}

/** Splits a series into runs of consecutive finite points. */
function runs(s) {
  const out = [];
  let current = [];
  s.values.forEach((v, j) => {
    if (Number.isFinite(v) && Number.isFinite(s.x[j])) current.push([s.x[j], v]);
    else if (current.length) { out.push(current); current = []; }
  });
  if (current.length) out.push(current);
  return out;
}

// ---- SVG ----

/** Round tick positions (steps of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo, hi, count = 6) {
  const raw = (hi - lo) / Math.max(1, count - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / magnitude === 2.5 ? 1 : 0));
  return { ticks, step, label: (t) => t.toFixed(decimals) };
}

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function svgChart({ title, series, xLabel, yLabel }) {
  const W = 640, H = 480;
  const box = { left: 80, right: 576, top: title ? 58 : 30, bottom: 422 };
  const e = extent(series);
  // matplotlib pads the data range by 5% on each side
  const padX = (e.x1 - e.x0) * 0.05, padY = (e.y1 - e.y0) * 0.05;
  const vx0 = e.x0 - padX, vx1 = e.x1 + padX, vy0 = e.y0 - padY, vy1 = e.y1 + padY;
  const px = (x) => box.left + ((x - vx0) / (vx1 - vx0)) * (box.right - box.left);
  const py = (y) => box.bottom - ((y - vy0) / (vy1 - vy0)) * (box.bottom - box.top);
  const integerX = series.every((s) => s.x.every(Number.isInteger));
  const xt = niceTicks(vx0, vx1, 9);
  const xTicks = integerX ? xt.ticks.filter((t) => Number.isInteger(t) || xt.step >= 1) : xt.ticks;
  const yt = niceTicks(vy0, vy1, 9);
  const f = (n) => n.toFixed(2);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (title) out.push(`<text x="${(box.left + box.right) / 2}" y="${box.top - 14}" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (const t of xTicks) {
    const x = f(px(t));
    out.push(`<line x1="${x}" y1="${box.bottom}" x2="${x}" y2="${box.bottom + 4}" stroke="black" stroke-width="0.8"/>`);
    out.push(`<text x="${x}" y="${box.bottom + 18}" text-anchor="middle">${esc(xt.label(t))}</text>`);
  }
  for (const t of yt.ticks) {
    const y = f(py(t));
    out.push(`<line x1="${box.left - 4}" y1="${y}" x2="${box.left}" y2="${y}" stroke="black" stroke-width="0.8"/>`);
    out.push(`<text x="${box.left - 7}" y="${y}" text-anchor="end" dominant-baseline="central">${esc(yt.label(t))}</text>`);
  }
  out.push(`<text x="${(box.left + box.right) / 2}" y="${box.bottom + 40}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(${box.left - 50} ${(box.top + box.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  out.push(`<g clip-path="url(#plot-area)" fill="none" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="square">`);
  out.push(`<clipPath id="plot-area"><rect x="${box.left}" y="${box.top}" width="${box.right - box.left}" height="${box.bottom - box.top}"/></clipPath>`);
  for (const s of series) {
    for (const run of runs(s)) {
      if (run.length === 1) {
        out.push(`<circle cx="${f(px(run[0][0]))}" cy="${f(py(run[0][1]))}" r="2" fill="${esc(s.color)}"/>`);
      } else {
        out.push(`<polyline stroke="${esc(s.color)}" points="${run.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>`);
      }
    }
  }
  out.push('</g>');
  out.push(`<rect x="${box.left}" y="${box.top}" width="${box.right - box.left}" height="${box.bottom - box.top}" fill="none" stroke="black" stroke-width="0.8"/>`);
  if (series.length > 1 || series[0].name) {
    const longest = Math.max(...series.map((s) => String(s.name).length));
    const lw = 48 + longest * 7, lh = 10 + series.length * 19;
    const lx = box.right - lw - 8, ly = box.top + 8;
    out.push(`<rect x="${lx}" y="${ly}" width="${lw}" height="${lh}" rx="3" fill="white" fill-opacity="0.8" stroke="#cccccc"/>`);
    series.forEach((s, i) => {
      const y = ly + 15 + i * 19;
      out.push(`<line x1="${lx + 8}" y1="${y}" x2="${lx + 34}" y2="${y}" stroke="${esc(s.color)}" stroke-width="1.5"/>`);
      out.push(`<text x="${lx + 40}" y="${y}" dominant-baseline="central">${esc(s.name)}</text>`);
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// ---- terminal (braille: each character is a 2×4 grid of dots) ----

const dotBits = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

function shortNumber(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

function terminalChart({ title, series, width, height, ansi }) {
  const e = extent(series);
  const dotsW = width * 2, dotsH = height * 4;
  const cells = Array.from({ length: height }, () => new Array(width).fill(0));
  const owner = Array.from({ length: height }, () => new Array(width).fill(-1));
  const toDot = (x, y) => [
    Math.round(((x - e.x0) / (e.x1 - e.x0)) * (dotsW - 1)),
    Math.round(((e.y1 - y) / (e.y1 - e.y0)) * (dotsH - 1)),
  ];
  const plot = (dx, dy, who) => {
    const cx = dx >> 1, cy = dy >> 2;
    cells[cy][cx] |= dotBits[dx & 1][dy & 3];
    owner[cy][cx] = who;
  };
  for (const s of series) {
    for (const run of runs(s)) {
      let prev = toDot(...run[0]);
      plot(prev[0], prev[1], s.index);
      for (const point of run.slice(1)) {
        const next = toDot(...point);
        const steps = Math.max(Math.abs(next[0] - prev[0]), Math.abs(next[1] - prev[1]));
        for (let k = 1; k <= steps; k++) {
          plot(Math.round(prev[0] + ((next[0] - prev[0]) * k) / steps), Math.round(prev[1] + ((next[1] - prev[1]) * k) / steps), s.index);
        }
        prev = next;
      }
    }
  }
  const colour = (text, who) => (ansi && who >= 0 ? `\x1b[${ansiPalette[who % ansiPalette.length]}m${text}\x1b[0m` : text);
  const top = shortNumber(e.y1), bottom = shortNumber(e.y0);
  const labelWidth = Math.max(top.length, bottom.length);
  const out = [];
  if (title) out.push(`  ${title}`);
  cells.forEach((row, r) => {
    const label = r === 0 ? top : r === height - 1 ? bottom : '';
    const axis = r === 0 || r === height - 1 ? '┤' : '│';
    const body = row.map((bits, c) => (bits ? colour(String.fromCharCode(0x2800 + bits), owner[r][c]) : ' ')).join('');
    out.push(`${label.padStart(labelWidth)} ${axis}${body}`);
  });
  out.push(`${' '.repeat(labelWidth)} └${'─'.repeat(width)}`);
  const left = shortNumber(e.x0), right = shortNumber(e.x1);
  out.push(`${' '.repeat(labelWidth + 2)}${left}${right.padStart(width - left.length)}`);
  if (series.length > 1) {
    out.push(`${' '.repeat(labelWidth + 2)}${series.map((s) => `${colour('⣀⣀', s.index)} ${s.name}`).join('   ')}`);
  }
  return out.join('\n');
}
