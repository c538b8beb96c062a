#!/usr/bin/env node
// The `gradscope` command: loads the TypeScript CLI through tsx (a dependency) and runs it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
