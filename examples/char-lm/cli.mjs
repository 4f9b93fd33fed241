// Command-line options for train.mjs and sample.mjs (`--name value` or `--name=value`; flags take no value),
// and how they report a failure.

/**
 * Parses `argv` against `spec`: `{ 'cli-name': { key, type: 'int' | 'number' | 'string' | 'flag', choices? } }`.
 * Returns `{ [key]: value }` for the options given; `--help` gives `{ help: true }`. Unknown options throw.
 */
export function parseCli(argv, spec, program) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    const option = match && spec[match[1]];
    if (!option) throw new Error(`${program}: unknown option ${JSON.stringify(arg)}; --help lists the options`);
    if (option.type === 'flag') {
      if (match[2] !== undefined) throw new Error(`${program}: --${match[1]} takes no value`);
      out[option.key] = true;
      continue;
    }
    const raw = match[2] ?? argv[++i];
    if (raw === undefined) throw new Error(`${program}: --${match[1]} needs a value`);
    out[option.key] = parseValue(program, match[1], option, raw);
  }
  return out;
}

function parseValue(program, name, option, raw) {
  if (option.type === 'string') {
    if (option.choices && !option.choices.includes(raw)) {
      throw new Error(`${program}: --${name} must be one of ${option.choices.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return raw;
  }
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (option.type === 'int' && !Number.isInteger(value))) {
    throw new Error(`${program}: --${name} must be ${option.type === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** One line per option, for --help. */
export function usage(program, spec, intro) {
  const lines = [intro, '', 'options:'];
  for (const [name, option] of Object.entries(spec)) {
    const value = option.type === 'flag' ? '' : ` <${option.choices ? option.choices.join('|') : option.type}>`;
    lines.push(`  --${name}${value}`.padEnd(30) + (option.help ?? ''));
  }
  return lines.join('\n');
}

/** Runs `command`, printing a failure as one line (no stack) with exit code 1. */
export async function runCommand(command) {
  try {
    await command();
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
