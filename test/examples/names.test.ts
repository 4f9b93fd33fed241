// The names examples (examples/names/): data preparation as PyTorch's char-RNN tutorial does it, the fixed
// held-out split, and quick runs of the course RNN and the batched GRU. The examples import the built package,
// so the bundles are brought up to date first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';

type Data = typeof import('../../examples/names/data.mjs');
type Classify = typeof import('../../examples/names/classify.mjs');
type Batched = typeof import('../../examples/names/batched.mjs');

const root = join(__dirname, '..', '..');
let data: Data;
let classify: Classify;
let batched: Batched;
const outDir = mkdtempSync(join(tmpdir(), 'wasmtorch-names-'));
const quiet = { log: () => {}, progress: false, outDir };

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  data = await import('../../examples/names/data.mjs');
  classify = await import('../../examples/names/classify.mjs');
  batched = await import('../../examples/names/batched.mjs');
}, 300_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// per language: names in the file, and names held out (0-based line index % 10 === 0)
const COUNTS: Record<string, [number, number]> = {
  Arabic: [2000, 200], Chinese: [268, 27], Czech: [519, 52], Dutch: [297, 30], English: [3668, 367],
  French: [277, 28], German: [724, 73], Greek: [203, 21], Irish: [232, 24], Italian: [709, 71],
  Japanese: [991, 100], Korean: [94, 10], Polish: [139, 14], Portuguese: [74, 8], Russian: [9408, 941],
  Scottish: [100, 10], Spanish: [298, 30], Vietnamese: [73, 8],
};

describe('names data', () => {
  it('normalises to the tutorial\'s 57 ASCII letters', () => {
    expect(data.N_LETTERS).toBe(57);
    expect(data.unicodeToAscii('Ślusàrski')).toBe('Slusarski');
    expect(data.unicodeToAscii('Émile-Zoë Nuñez')).toBe('EmileZoe Nunez');
    expect(data.unicodeToAscii("O'Neill, Jr.;")).toBe("O'Neill, Jr.;");
    expect(data.letterToIndex('a')).toBe(0);
    expect(data.letterToIndex('J')).toBe(35);
    expect(data.letterToIndex("'")).toBe(56);
  });

  it('samples as Python\'s random module does', () => {
    const r = data.pythonRandom(0);
    expect([r.random(), r.random(), r.randint(0, 17), r.below(1000), r.choice(['a', 'b', 'c'])])
      .toEqual([0.8444218515250481, 0.7579544029403025, 13, 41, 'b']);
    expect(data.pythonRandom(5).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([2, 3, 1, 0, 8, 7, 6, 5, 4, 9]);
  });

  it('loads 18 languages, 20,074 names, and the fixed split', () => {
    const d = data.loadNames();
    expect(d.categories).toEqual(Object.keys(COUNTS));
    let total = 0;
    let heldOut = 0;
    for (const c of d.categories) {
      const [all, held] = COUNTS[c];
      expect([c, d.categoryLines[c].length, d.testLines[c].length, d.trainLines[c].length]).toEqual([c, all, held, all - held]);
      expect(d.categoryLines[c].filter((line) => !/^[a-zA-Z .,;']+$/.test(line))).toEqual([]);
      total += d.categoryLines[c].length;
      heldOut += d.testLines[c].length;
    }
    expect([total, heldOut]).toEqual([20074, 2014]);
    expect(d.testLines.French.slice(0, 2)).toEqual([d.categoryLines.French[0], d.categoryLines.French[10]]);
    expect(d.categoryLines.French).toContain('Emile');
  });

  it('lineToTensor is one-hot [length, 1, 57]', () => {
    const t = data.lineToTensor('Jones');
    expect(t.shape).toEqual([5, 1, 57]);
    expect(t.sum().item()).toBe(5);
    expect(t.get(0).get(0).get(35).item()).toBe(1);
    expect(data.letterToTensor('b').shape).toEqual([1, 57]);
    expect(() => data.lineToTensor('a-b')).toThrow(/lineToTensor/);
  });
});

const PYTORCH_COURSE_5000 = {
  losses250: [2.88904, 2.87718, 2.85904, 2.86143, 2.83828, 2.82952, 2.81775, 2.81529, 2.79689, 2.77519,
    2.78759, 2.77168, 2.73836, 2.71726, 2.7135, 2.7271, 2.67106, 2.62676, 2.59355, 2.597],
  overall: 0.2731,
  perLanguageMean: 0.2597,
};

describe('names training (quick, seed 0)', () => {
  let course: Awaited<ReturnType<Classify['main']>>;

  it('the course RNN follows PyTorch step by step, beats chance, and predicts three languages', async () => {
    course = await classify.main({ quick: true, seed: 0, ...quiet });
    const losses = course.allLosses;
    expect(losses.length).toBe(20);
    // PyTorch 1.13 from the same weights on the same examples (gen_names_reference.py --course-iters 5000):
    // the average loss of each 250 iterations, and the held-out accuracy
    const worst = Math.max(...losses.map((l, i) => Math.abs(l - PYTORCH_COURSE_5000.losses250[i])));
    expect(worst).toBeLessThan(1e-4);
    expect(course.heldOut.overall).toBeCloseTo(PYTORCH_COURSE_5000.overall, 2);
    expect(course.heldOut.perLanguageMean).toBeCloseTo(PYTORCH_COURSE_5000.perLanguageMean, 2);
    const head = (losses[0] + losses[1] + losses[2]) / 3;
    const tail = (losses.at(-1)! + losses.at(-2)! + losses.at(-3)!) / 3;
    expect(head).toBeGreaterThan(2.7); // ~ln 18 = 2.89 at the start
    expect(tail).toBeLessThan(head - 0.2);
    expect(course.heldOut.perLanguageMean).toBeGreaterThan(2 / 18); // chance is 1/18
    expect(course.heldOut.overall).toBeGreaterThan(2 / 18);

    const categories = course.categories;
    for (const name of ['Dovesky', 'Jackson', 'Satoshi']) {
      const top = course.predictions[name];
      expect(top).toHaveLength(3);
      const values = top.map(([v]) => v);
      for (const [v, c] of top) {
        expect(v).toBeLessThanOrEqual(0);
        expect(categories).toContain(c);
      }
      expect(values).toEqual([...values].sort((a, b) => b - a));
      expect(values.reduce((s, v) => s + Math.exp(v), 0)).toBeLessThanOrEqual(1 + 1e-5);
    }
    expect(course.saved && existsSync(course.saved.file)).toBe(true);
  });

  it('predict() prints the tutorial\'s lines', () => {
    const lines: string[] = [];
    const top = classify.predict(course.rnn, course.categories, 'Satoshi', { log: (l: string) => lines.push(l) });
    expect(lines[0]).toBe('\n> Satoshi');
    expect(lines.slice(1)).toEqual(top.map(([v, c]) => `(${v.toFixed(2)}) ${c}`));
  });

  it('the batched GRU beats the course RNN', async () => {
    const run = await batched.main({ quick: true, seed: 0, course: course.heldOut, ...quiet });
    // PyTorch 1.13, one epoch from the same weights on the same batches: loss 1.0301, 77.5% / 37.7% held out
    expect(run.epochLosses[0]).toBeCloseTo(1.0301, 3);
    expect(run.heldOut.overall).toBeGreaterThan(course.heldOut.overall + 0.2);
    expect(run.heldOut.perLanguageMean).toBeGreaterThan(course.heldOut.perLanguageMean);
  });
});
