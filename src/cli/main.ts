// `gradscope`: the command line over gradscope/client. Parses arguments (util.parseArgs), runs one command,
// prints problems with their field pointers, and returns the documented exit code.
import { parseArgs } from 'node:util';
import { GradscopeClient } from '../client/client.ts';
import { GradscopeError } from '../client/errors.ts';
import { type Command, UsageError } from './command.ts';
import { COMMANDS } from './commands.ts';
import { EXIT, EXIT_HELP, exitOfError } from './exit-codes.ts';
import { type Output, printError, processOutput } from './output.ts';

const GLOBAL = {
  url: { type: 'string' },
  token: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GLOBAL_HELP = [
  '--url URL           the service (default: GRADSCOPE_URL, else http://127.0.0.1:3000)',
  '--token TOKEN       bearer token (default: GRADSCOPE_TOKEN)',
  '--no-color          no colours (also NO_COLOR=1, and whenever stdout is not a terminal)',
  '-h, --help          this help',
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'gradscope: submit and follow Gradscope runs, read their statistics, check gradients.',
    '',
    'Usage: gradscope COMMAND [ARGS] [OPTIONS]    (gradscope COMMAND --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command:',
    ...GLOBAL_HELP.map((l) => `  ${l}`),
    '',
    EXIT_HELP,
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [
    `Usage: ${c.usage}`,
    '',
    `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`,
    '',
    'Options:',
    ...[...c.help, ...GLOBAL_HELP].map((l) => `  ${l}`),
    '',
    EXIT_HELP,
  ].join('\n');
}

/** Runs `gradscope ARGV…` and returns the exit code. */
export async function main(argv: string[], o: Output = processOutput()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    o.out(topic ? commandHelp(topic) : mainHelp());
    return name === undefined ? EXIT.invalidInput : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    o.err(`gradscope: unknown command "${name}" (see gradscope --help)`);
    return EXIT.invalidInput;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    o.err(`gradscope ${name}: ${(e as Error).message}\nUsage: ${command.usage}`);
    return EXIT.invalidInput;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    o.out(commandHelp(command));
    return EXIT.ok;
  }
  if (parsed.positionals.length !== command.args) {
    o.err(
      `gradscope ${name}: expected ${command.args} argument(s), got ${parsed.positionals.length}\nUsage: ${command.usage}`,
    );
    return EXIT.invalidInput;
  }
  if (values['no-color']) process.env.NO_COLOR = '1';
  const client = new GradscopeClient({
    baseUrl: values.url as string | undefined,
    token: values.token as string | undefined,
  });
  try {
    return await command.run({ client, o, values, args: parsed.positionals });
  } catch (e) {
    if (e instanceof UsageError) {
      o.err(`gradscope ${name}: ${e.message}`);
      return EXIT.invalidInput;
    }
    if (e instanceof GradscopeError) {
      printError(o, e);
      return exitOfError(e.status, e.code);
    }
    throw e;
  }
}
