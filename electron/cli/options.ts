// Every racecar subcommand is described once, as a table of options with
// their help; the parser (node:util parseArgs) and the --help text are both
// generated from it, so they cannot disagree.
import { parseArgs } from 'node:util';
import { UsageError } from './flags';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in the help, e.g. 'dir' or 'n'. */
  arg?: string;
  help: string;
  /** Heading the option is listed under (default 'options'). */
  group?: string;
  /** May be given several times (the value is then a list). */
  multiple?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

export interface CommandSpec {
  name: string;
  /** One line, for `racecar --help`. */
  summary: string;
  /** Usage lines without the leading 'racecar '. */
  usage: string[];
  options: OptionTable;
  positionals?: boolean;
  /** Text after the options (examples, notes). */
  footer?: string;
}

export const WORKSPACE_OPTION: OptionTable = {
  workspace: { type: 'string', arg: 'dir', help: "where runs live (default: $RACECAR_WORKSPACE or the app's workspace)" },
};
export const JSON_OPTION: OptionTable = { json: { type: 'boolean', help: 'print the result as JSON' } };
export const HELP_OPTION: OptionTable = { help: { type: 'boolean', short: 'h', help: 'print this help and exit' } };

/** --help or -h before a '--': help is printed before anything else is looked at. */
export function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

const flagText = (name: string, o: OptionSpec) =>
  `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg ?? 'value'}` : ''}${o.multiple ? ' (repeatable)' : ''}`;

export function helpText(spec: CommandSpec): string {
  const all = { ...spec.options, ...HELP_OPTION };
  const width = Math.min(30, Math.max(...Object.entries(all).map(([n, o]) => flagText(n, o).length)) + 2);
  const groups = new Map<string, string[]>();
  for (const [name, o] of Object.entries(all)) {
    const flag = flagText(name, o);
    const lines = o.help.split('\n');
    const first = flag.length >= width ? `  ${flag}\n  ${' '.repeat(width)}${lines[0]}` : `  ${flag.padEnd(width)}${lines[0]}`;
    const rest = lines.slice(1).map((l) => `  ${' '.repeat(width)}${l}`);
    const g = o.group ?? 'options';
    groups.set(g, [...(groups.get(g) ?? []), first, ...rest]);
  }
  const out = [`racecar ${spec.name}: ${spec.summary}`, '', 'usage:', ...spec.usage.map((u) => `  racecar ${u}`)];
  for (const [g, lines] of groups) out.push('', `${g}:`, ...lines);
  if (spec.footer) out.push('', spec.footer);
  return out.join('\n');
}

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;

/** Parses with the command's table; node's multi-line messages become one line. */
export function parseCommand(spec: CommandSpec, args: string[]): { values: ParsedValues; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, ...HELP_OPTION }).map(([n, o]) => [
      n,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const r = parseArgs({ args, options, allowPositionals: !!spec.positionals, strict: true });
    return { values: r.values as ParsedValues, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message.replace(/\s*\n\s*/g, ' ')} (see racecar ${spec.name} --help)`);
  }
}
