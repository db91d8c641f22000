#!/usr/bin/env node
// The `privacy-receiver` command.
import { runCli } from './cli.js';

await runCli(process.argv.slice(2));
