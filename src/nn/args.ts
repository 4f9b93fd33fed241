/** Parsing PyTorch-style constructor arguments for the nn modules (internal; not part of the public API). */
import { Tensor } from '../tensor.js';

/**
 * PyTorch-style arguments: leading positional values named by `names`, then an optional options object.
 * `(4, 2, { bias: false })` and `({ inFeatures: 4, outFeatures: 2, bias: false })` give the same options.
 * Unknown option names throw, so a typo does not silently fall back to a default.
 */
export function parseArgs<T extends object>(op: string, args: unknown[], names: readonly string[], known: readonly string[]): Partial<T> {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null && !(last instanceof Tensor) && !Array.isArray(last);
  const options: Record<string, unknown> = { ...(hasOptions ? (last as object) : {}) };
  const positional = hasOptions ? args.slice(0, -1) : args;
  if (positional.length > names.length) {
    throw new Error(`${op}: expected at most ${names.length} positional arguments (${names.join(', ')}) and an options object, got ${positional.length}`);
  }
  positional.forEach((value, i) => {
    if (options[names[i]] !== undefined) throw new Error(`${op}: got ${names[i]} both positionally and in the options object`);
    options[names[i]] = value;
  });
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
  }
  return options as Partial<T>;
}
