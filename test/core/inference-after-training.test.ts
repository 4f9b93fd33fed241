import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { collectUntil, tick } from '../helpers/gc';

/**
 * Evaluation after training: once backward() has run, new storages are managed by the step clock, which only a
 * backward advances. A loop that never calls backward again must still get back the memory of the results it
 * drops: after many times a training step's allocations without a step they go to the FinalizationRegistry
 * backstop, which frees them once the event loop runs. What the program holds stays intact throughout.
 */
describe('an inference loop after training', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: dropped results are reclaimed without another backward; held tensors survive and train on`, async () => {
      torch.setBackend(backend);
      torch.manualSeed(0);
      const model = new torch.nn.Linear(8, 4);
      const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
      const x = torch.randn(3, 8);
      const train = () => {
        optimizer.zeroGrad();
        model.forward(x).pow(2).mean().backward();
        optimizer.step();
      };
      for (let i = 0; i < 3; i++) train();
      await tick();
      const baseline = torch.memory().tensors;

      // evaluation: 150,000 forward passes under noGrad (one storage each), results dropped but for one
      const passes = 150_000;
      let held: torch.Tensor | null = null;
      torch.noGrad(() => {
        for (let i = 0; i < passes; i++) {
          const out = model.forward(x);
          if (i === 123) held = out;
        }
      });
      expect(torch.memory().tensors).toBeGreaterThan(baseline + passes / 2);
      // what was handed to the backstop is freed; the last stretch (under 65,536) still waits for a step
      await collectUntil(() => torch.memory().tensors <= baseline + passes - 2 * 65536);
      expect(torch.memory().tensors).toBeLessThanOrEqual(baseline + passes - 2 * 65536);

      const expected = torch.noGrad(() => model.forward(x)).tolist();
      expect(held!.tolist()).toEqual(expected);
      // training resumes: the step clock frees the last stretch and its own garbage as before
      for (let i = 0; i < 5; i++) train();
      expect(torch.memory().tensors).toBeLessThan(baseline + 50);
      expect(held!.tolist()).toEqual(expected);
      const afterTraining = torch.memory().tensors;
      for (let i = 0; i < 20; i++) train();
      expect(torch.memory().tensors).toBeLessThanOrEqual(afterTraining + 8);
    });
  }

  it('a training step that creates more than 65,536 tensors is still reclaimed by the step clock, synchronously', () => {
    torch.setBackend('wasm');
    const w = torch.ones(4, { requiresGrad: true });
    const step = () => {
      // 70,000 small intermediates, most of them garbage by the end of the step
      let acc = torch.zeros(4);
      for (let i = 0; i < 35_000; i++) acc = acc.add(1).mul(0.5);
      w.mul(acc).sum().backward();
      w.grad = null;
    };
    for (let i = 0; i < 3; i++) step();
    const settled = torch.memory().tensors;
    for (let i = 0; i < 4; i++) step();
    // without awaiting anything: the step clock, not the backstop, freed the earlier steps' garbage
    expect(torch.memory().tensors).toBeLessThanOrEqual(settled + 8);
  });
});

