// ntkscope command line (see ../shared/CONTRACT.md). Node only.
import { Command } from "commander";

const program = new Command();
program.name("ntkscope").description("Neural Tangent Kernel and kernel-spectrum analysis").version("0.1.0");
await program.parseAsync(process.argv);
