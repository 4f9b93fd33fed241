/** Every op suite runs on each backend forEachBackend finds; this checks that the set is the expected one. */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { BACKENDS, DEFAULT_BACKEND } from '../helpers/backends';

describe('backends under test', () => {
  it('the default backend is a WebAssembly build', () => {
    expect(DEFAULT_BACKEND).toMatch(/^wasm-/);
  });
  it('op suites run on wasm-simd and js', () => {
    if (process.env.WASMTORCH_TEST_BACKENDS) return;
    expect(BACKENDS).toContain('wasm-simd');
    expect(BACKENDS).toContain('js');
  });
  it("setBackend('wasm') selects a WebAssembly build and setBackend('js') the baseline", () => {
    torch.setBackend('js');
    expect(torch.backend()).toBe('js');
    torch.setBackend('wasm' as never);
    expect(torch.backend()).toMatch(/^wasm-/);
    torch.setBackend(DEFAULT_BACKEND);
  });
  it('setBackend rejects an unknown name', () => {
    expect(() => torch.setBackend('cuda' as never)).toThrow(/setBackend/);
  });
});
