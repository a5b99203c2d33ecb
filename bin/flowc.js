#!/usr/bin/env node
// The bin only loads the compiled CLI so start-up never pays for a TypeScript loader.
import { main } from '../dist/cli/main.js';
process.exitCode = await main(process.argv.slice(2));
