/** Saving and loading state dicts in the safetensors format (API.md, "Saving and loading"). */
export { save, load, loadMetadata, type SaveOptions, type LoadSource } from './io.js';
