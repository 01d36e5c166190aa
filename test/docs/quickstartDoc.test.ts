import { testDocBlocks } from '../support/runDocBlocks.js';

testDocBlocks('docs/quickstart.md', 120_000);
