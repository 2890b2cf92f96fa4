#!/usr/bin/env node
// Runs the compiled CLI (npm install builds dist/ through the prepare script).
import { runCli } from '../dist/cli/main.js';

runCli(process.argv.slice(2)).catch((err) => {
  console.error(`tensorgrad: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
