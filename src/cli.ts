/** `optin` command line: the same core as the editor, for scripts and CI. */
import { compareCommand, COMPARE_HELP } from './cli/compare';
import { evalCommand, EVAL_HELP } from './cli/eval';
import { pruneCommand, PRUNE_HELP } from './cli/prune';
import { UsageError } from './cli/usage';
import { validateCommand, VALIDATE_HELP } from './cli/validate';
import { UserError } from './errors';
import { TOOL_VERSION } from './run/pipeline';

const HELP = `optin ${TOOL_VERSION} — one-shot structured pruning of transformers (OPTIN) through ONNX Runtime

Usage:
  optin prune CONFIG [options]              prune a model as a config.yaml says
  optin validate CONFIG... [--json]         check configs as the editor does
  optin eval MODEL DATA_PATH [options]      evaluate a checkpoint or an exported .onnx
  optin compare RUN_DIR RUN_DIR... [options] compare runs side by side
  optin --help | --version

${PRUNE_HELP}

${VALIDATE_HELP}

${EVAL_HELP}

${COMPARE_HELP}

Exit status: 0 success, 1 bad input or failure, 2 usage error, 130 cancelled.
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
        process.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      case '-v':
      case '--version':
        process.stdout.write(`${TOOL_VERSION}\n`);
        return 0;
      case 'eval':
        return await evalCommand(rest);
      case 'prune':
        return await pruneCommand(rest);
      case 'compare':
        return await compareCommand(rest);
      case 'validate':
        return await validateCommand(rest);
      default:
        throw new UsageError(`unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`optin: ${(e as Error).message}\nRun \`optin --help\` for usage.\n`);
      return 2;
    }
    if (e instanceof UserError) {
      process.stderr.write(`optin: error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
