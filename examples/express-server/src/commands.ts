/**
 * The subcommands of `archon-confluence`. Each is a name, a one-line summary, its full help and a runner that
 * returns the exit code. More can be registered (say, a server for AI assistants from another package) with
 * {@link registerCommand} before {@link runCli} runs.
 */
import { ENVIRONMENT_HELP } from "./help.js";

/** One subcommand. */
export interface Command {
  /** What users type, e.g. `sync`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full help: usage, options, environment, exit codes. */
  readonly help: string;
  /** Runs with the arguments after the name; resolves with the exit code. Loaded lazily to keep `--help` fast. */
  run(argv: readonly string[]): Promise<number>;
}

const registry = new Map<string, Command>();

/** Adds (or replaces) a subcommand. */
export function registerCommand(command: Command): void {
  registry.set(command.name, command);
}

/** Registered subcommands, in registration order. */
export function listCommands(): Command[] {
  return [...registry.values()];
}

/** Exit codes shared by every subcommand; a subcommand's help lists the ones it uses. */
export const EXIT = {
  ok: 0,
  /** sync: some pages failed; search: no results. */
  partial: 1,
  usage: 2,
  refused: 3,
  failed: 4,
  interrupted: 130,
} as const;

/** The top-level help: every command with its summary. */
export function mainHelp(): string {
  const commands = listCommands();
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "archon-confluence: sync Confluence spaces into PostgreSQL + pgvector and search them.",
    "",
    "Usage: archon-confluence <command> [options]",
    "",
    "Commands:",
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Run archon-confluence <command> --help for a command's options and exit codes.",
    "",
    ENVIRONMENT_HELP,
  ].join("\n");
}

/** Runs `archon-confluence <command> ...`; resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    const command = topic === undefined ? undefined : registry.get(topic);
    // Without a command it is a usage error: the help goes to stderr, so scripts see only the exit code.
    (name === undefined ? process.stderr : process.stdout).write(`${command ? command.help : mainHelp()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = registry.get(name);
  if (!command) {
    process.stderr.write(
      `Unknown command "${name}". Commands: ${listCommands()
        .map((c) => c.name)
        .join(", ")}. Run archon-confluence --help.\n`,
    );
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  return command.run(rest);
}
