export { createWasmBackend } from './backend.js';
export { wasmBytes, type WasmVariant } from './module.js';
export { SizeClassAllocator, sizeClassOf, sizeOfClass } from './allocator.js';
