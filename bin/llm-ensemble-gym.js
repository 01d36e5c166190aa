#!/usr/bin/env node
// Entry point: the package ships TypeScript sources and runs them through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
