/** `optin` command line: the same core as the editor, for scripts and CI. */
import { compareCommand, COMPARE_HELP } from './cli/compare';
import { evalCommand, EVAL_HELP } from './cli/eval';
import { pruneCommand, PRUNE_HELP } from './cli/prune';
import { UsageError, wantsHelp } from './cli/usage';
import { validateCommand, VALIDATE_HELP } from './cli/validate';
import { UserError } from './errors';
import { TOOL_VERSION } from './run/pipeline';

/**
 * Every command: its one-line synopsis for `optin --help`, its full usage for
 * `optin COMMAND --help` (also `-h`), and what runs it. A new command joins by adding a row.
 */
export const COMMANDS: Record<string, { synopsis: string; help: string; run: (args: string[]) => Promise<number> }> = {
  prune: { synopsis: 'optin prune CONFIG [options]              prune a model as a config.yaml says', help: PRUNE_HELP, run: pruneCommand },
  validate: { synopsis: 'optin validate CONFIG... [--json]         check configs as the editor does', help: VALIDATE_HELP, run: validateCommand },
  eval: { synopsis: 'optin eval MODEL DATA_PATH [options]      evaluate a checkpoint or an exported .onnx', help: EVAL_HELP, run: evalCommand },
  compare: { synopsis: 'optin compare RUN_DIR RUN_DIR... [options] compare runs side by side', help: COMPARE_HELP, run: compareCommand },
};

/** The exit statuses of every command (`optin --help` and the README list them). */
export const EXIT_STATUS = `Exit status:
  0    success (validate: no errors found)
  1    findings or a failed run: validate found an error, a config or data file is wrong, a run failed
  2    usage error: unknown command or option, wrong number of arguments, a bad option value
  130  prune was cancelled (Ctrl-C); report.json says "cancelled" and keeps what finished`;

export function commandUsage(name: string): string {
  return `${COMMANDS[name].help}\n\n${EXIT_STATUS}\n`;
}

const HELP = `optin ${TOOL_VERSION} — one-shot structured pruning of transformers (OPTIN) through ONNX Runtime

Usage:
${Object.values(COMMANDS).map((c) => `  ${c.synopsis}`).join('\n')}
  optin COMMAND --help                      usage of one command
  optin --help | --version

${Object.values(COMMANDS).map((c) => c.help).join('\n\n')}

${EXIT_STATUS}
`;

/** Entry point; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        if (command === 'help' && rest.length > 0) {
          if (!Object.hasOwn(COMMANDS, rest[0])) throw new UsageError(`unknown command "${rest[0]}".`);
          process.stdout.write(commandUsage(rest[0]));
          return 0;
        }
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
        process.stdout.write(`${TOOL_VERSION}\n`);
        return 0;
      default: {
        if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command "${command}".`);
        if (wantsHelp(rest)) {
          process.stdout.write(commandUsage(command));
          return 0;
        }
        return await COMMANDS[command].run(rest);
      }
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const help = command !== undefined && Object.hasOwn(COMMANDS, command) ? `optin ${command} --help` : 'optin --help';
      process.stderr.write(`optin: ${(e as Error).message}\nRun \`${help}\` for usage.\n`);
      return 2;
    }
    if (e instanceof UserError) {
      process.stderr.write(`optin: error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
