/** torch.loadMetadata: the header's `__metadata__` of files PyTorch's safetensors wrote, and of files saved here. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { expected, fixtureBytes } from './helpers';

describe('torch.loadMetadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmtorch-metadata-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns what safetensors.torch.save_file(..., metadata=) wrote, or null where it wrote none', () => {
    const files = Object.keys(expected.metadata);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(torch.loadMetadata(fixtureBytes(file))).toEqual(expected.metadata[file]);
  });

  it('round-trips the metadata of torch.save through a path and through bytes', () => {
    const sd = { w: torch.ones(2, 3) };
    // JSON.parse makes "__proto__" an ordinary key, as a file's header may have it
    const metadata = JSON.parse('{"step": "1200", "config": "{\\"hidden\\": 256}", "__proto__": "an ordinary key"}') as Record<string, string>;
    const path = join(dir, 'with-metadata.safetensors');
    torch.save(sd, path, { metadata });
    const back = torch.loadMetadata(path)!;
    expect(back).toEqual(metadata);
    expect(Object.keys(back)).toEqual(['step', 'config', '__proto__']);
    expect(back.config).toBe('{"hidden": 256}');
    expect(torch.loadMetadata(torch.save(sd))).toBeNull();
  });

  it('rejects a malformed file with load\'s message', () => {
    const bytes = torch.save({ w: torch.ones(2) }, undefined, { metadata: { a: 'b' } });
    expect(() => torch.loadMetadata(bytes.subarray(0, 12))).toThrow(/^load: invalid safetensors file: /);
    expect(() => torch.loadMetadata(42 as never)).toThrow(/^load: expected a file path, a URL or the file's bytes/);
  });
});
