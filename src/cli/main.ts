// ntkscope command line (see ../shared/CONTRACT.md). Node only.
// Errors: bad input -> one line `ntkscope: <message>` on stderr, exit 1; a bug -> exit 2.
import { Command, CommanderError } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { analyzeCommand } from "./commands/analyze.js";
import { alignmentCommand } from "./commands/alignment.js";
import { attributeCommand } from "./commands/attribute.js";
import { diagnosticsCommand } from "./commands/diagnostics.js";
import { dynamicsCommand } from "./commands/dynamics.js";
import { fitCommand } from "./commands/fit.js";
import { kendallCommand } from "./commands/kendall.js";
import { kernelCommand } from "./commands/kernel.js";
import { lazyCommand } from "./commands/lazy.js";
import { pcaCommand } from "./commands/pca.js";
import { regressCommand } from "./commands/regress.js";
import { serveCommand } from "./commands/serve.js";
import { spectrumCommand } from "./commands/spectrum.js";
import { surrogateCommand } from "./commands/surrogate.js";
import { trainCommand } from "./commands/train.js";
import { reportError } from "./errors.js";

export function buildProgram(): Command {
  const program = new Command();
  program.name("ntkscope")
    .description("Neural Tangent Kernel and kernel-spectrum analysis (WebAssembly; same results in Node, Deno and browsers)")
    .version(pkg.version, "-V, --version")
    .exitOverride()
    .configureOutput({
      // commander's own errors ("error: unknown option '--foo'") in the CLI's one-line format
      outputError: (str, write) => write(`ntkscope: ${str.replace(/^error: /, "").replace(/\s*\n\s*(?=\S)/g, "; ").trimEnd()}\n`),
    })
    .showSuggestionAfterError(true)
    .configureHelp({ sortOptions: false, showGlobalOptions: false });
  kernelCommand(program);
  spectrumCommand(program);
  fitCommand(program);
  analyzeCommand(program);
  trainCommand(program);
  alignmentCommand(program);
  dynamicsCommand(program);
  diagnosticsCommand(program);
  regressCommand(program);
  lazyCommand(program);
  pcaCommand(program);
  surrogateCommand(program);
  attributeCommand(program);
  kendallCommand(program);
  serveCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    // --help and --version end through exitOverride with exit code 0
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    return reportError(e);
  }
}

// `ntkscope spectrum --k K.npy | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on("error", (e: { code?: string }) => { if (e.code === "EPIPE") process.exit(process.exitCode ?? 0); else throw e; });
process.exitCode = await main(process.argv);
