// A loss curve on a <canvas>: axes with min / max labels and one polyline, redrawn whole on every call
// (a few hundred points at most, so there is nothing to gain from incremental drawing).

const BACKGROUND = '#ffffff';
const INK = '#444444';
const GRID = '#e6e6e6';
const LINE = '#d9480f';

/** Draws `points` ([x, y] pairs) into `canvas`, sized to its CSS box at the device's pixel ratio. */
export function drawLossChart(canvas, points, { xLabel = 'step', yLabel = 'loss' } = {}) {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = BACKGROUND;
  g.fillRect(0, 0, width, height);

  const left = 48;
  const right = width - 12;
  const top = 12;
  const bottom = height - 30;
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = INK;
  g.strokeStyle = GRID;
  g.lineWidth = 1;
  g.strokeRect(left, top, right - left, bottom - top);
  g.textAlign = 'center';
  g.fillText(xLabel, (left + right) / 2, height - 6);
  if (points.length === 0) return;

  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...ys);
  const yMin = Math.min(0, ...ys);
  const sx = (x) => left + (xMax === xMin ? 0.5 : (x - xMin) / (xMax - xMin)) * (right - left);
  const sy = (y) => bottom - (yMax === yMin ? 0.5 : (y - yMin) / (yMax - yMin)) * (bottom - top);

  g.textAlign = 'right';
  g.fillText(yMax.toFixed(2), left - 4, top + 8);
  g.fillText(yMin.toFixed(2), left - 4, bottom);
  g.save();
  g.translate(12, (top + bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText(yLabel, 0, 0);
  g.restore();
  g.textAlign = 'left';
  g.fillText(String(xMin), left, bottom + 13);
  g.textAlign = 'right';
  g.fillText(String(xMax), right, bottom + 13);

  g.strokeStyle = LINE;
  g.lineWidth = 2;
  g.beginPath();
  points.forEach(([x, y], i) => (i === 0 ? g.moveTo(sx(x), sy(y)) : g.lineTo(sx(x), sy(y))));
  g.stroke();
}
