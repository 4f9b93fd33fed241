/**
 * Reading and checking hyper-parameters. Options objects use API.md's camelCase names; state dicts use
 * PyTorch's snake_case names, so a checkpoint's `param_groups` read like PyTorch's.
 */

/** Where a value came from, for error messages: `SGD`, `SGD: parameter group 1`, ... */
export type Where = string;

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

function present(where: Where, name: string, value: unknown): void {
  if (value === undefined) {
    throw new Error(`${where}: didn't specify a value of required optimization parameter ${name}`);
  }
}

/** A finite number >= 0 (learning rates, decay factors, eps). */
export function nonNegative(where: Where, name: string, value: unknown): number {
  present(where, name, value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: invalid ${name} value: ${show(value)} (expected a finite number >= 0)`);
  }
  return value;
}

/** A finite number (SGD's dampening, which PyTorch does not bound). */
export function finite(where: Where, name: string, value: unknown): number {
  present(where, name, value);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${where}: invalid ${name} value: ${show(value)} (expected a finite number)`);
  }
  return value;
}

export function bool(where: Where, name: string, value: unknown): boolean {
  present(where, name, value);
  if (typeof value !== 'boolean') throw new Error(`${where}: invalid ${name} value: ${show(value)} (expected true or false)`);
  return value;
}

/** Adam's (beta1, beta2), each in [0, 1). */
export function betas(where: Where, value: unknown): [number, number] {
  present(where, 'betas', value);
  if (!Array.isArray(value) || value.length !== 2) {
    throw new Error(`${where}: invalid betas value: ${show(value)} (expected an array [beta1, beta2])`);
  }
  value.forEach((b: unknown, i) => {
    if (typeof b !== 'number' || !(b >= 0 && b < 1)) {
      throw new Error(`${where}: invalid beta parameter at index ${i}: ${show(b)} (expected a number in [0, 1))`);
    }
  });
  return [value[0], value[1]];
}

/**
 * Rejects keys of an options object that the optimizer does not know, naming the camelCase spelling when a
 * PyTorch keyword (`weight_decay`) was written instead.
 */
export function checkOptionKeys(where: Where, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const camel = snakeToCamel(key);
    const hint = camel !== key && known.includes(camel) ? ` (did you mean ${camel}?)` : '';
    throw new Error(`${where}: unknown option ${JSON.stringify(key)}${hint}; expected some of ${known.join(', ')}`);
  }
}

/** Snake_case spellings of known options inside a parameter group are mistakes, not extra group keys. */
export function checkGroupKeys(where: Where, group: object, known: readonly string[]): void {
  for (const key of Object.keys(group)) {
    const camel = snakeToCamel(key);
    if (camel !== key && known.includes(camel)) {
      throw new Error(`${where}: option ${JSON.stringify(key)} is spelled ${camel} here (options are camelCase)`);
    }
  }
}

/** `new X(params, 0.1, { ... })` and `new X(params, { lr: 0.1, ... })` are the same call. */
export function optionsFrom<O extends { lr?: number }>(where: Where, lrOrOptions: number | O | undefined, options: O | undefined): O {
  if (typeof lrOrOptions === 'number') {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new Error(`${where}: expected an options object after the learning rate, got ${show(options)}`);
    }
    if (options?.lr !== undefined) throw new Error(`${where}: lr given twice (positionally and in the options object)`);
    return { ...(options ?? ({} as O)), lr: lrOrOptions };
  }
  if (lrOrOptions === undefined || lrOrOptions === null) return {} as O;
  if (typeof lrOrOptions !== 'object') {
    throw new Error(`${where}: expected a learning rate or an options object, got ${show(lrOrOptions)}`);
  }
  if (options !== undefined) throw new Error(`${where}: expected one options object, got two`);
  return { ...lrOrOptions };
}
