/**
 * Node 20 validates relaxed-SIMD WebAssembly only behind a V8 flag (the Node bundles set it themselves, see
 * src/platform-node.ts). Tests import the sources, so set it here too: forEachBackend then covers the
 * relaxed build as well as plain SIMD and the pure-JS twin.
 */
import { setFlagsFromString } from 'node:v8';

if (process.env.WASMTORCH_NO_RELAXED_SIMD === undefined) setFlagsFromString('--experimental-wasm-relaxed-simd');
