/**
 * Assertions for misuse errors: API.md requires an Error whose message names the operation and the shapes
 * involved. Shapes are matched loosely ("[2, 3]", "[2,3]" and "(2, 3)" all match [2, 3]).
 */
import { expect } from 'vitest';

function shapePattern(shape: number[]): RegExp {
  return new RegExp(`[\\[(]${shape.join('\\s*,\\s*')}[\\])]`);
}

/** Runs `fn`, expects an Error mentioning `op` (case-insensitive) and every shape in `shapes`. */
export function expectOpError(fn: () => unknown, op: string, shapes: number[][] = []): Error {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `${op}: expected an Error to be thrown`).toBeInstanceOf(Error);
  const message = (caught as Error).message;
  expect(message.toLowerCase(), `${op}: message should name the op: ${message}`).toContain(op.toLowerCase());
  for (const shape of shapes) {
    expect(message, `${op}: message should name shape [${shape.join(', ')}]`).toMatch(shapePattern(shape));
  }
  return caught as Error;
}
