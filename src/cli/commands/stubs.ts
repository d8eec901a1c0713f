// Commands of the contract that are not wired yet: they exist (so help lists
// them and scripts get a clear answer) and fail with exit 1.
import type { Command } from "commander";
import { UsageError } from "../errors.js";

export function stubCommand(program: Command, name: string, description: string): void {
  program.command(name)
    .description(`${description} (not implemented yet)`)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => { throw new UsageError(`${name}: not implemented yet`); });
}
