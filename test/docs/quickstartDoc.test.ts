import { testDocBlocks } from '../helpers/runDocBlocks.js';

testDocBlocks('docs/quickstart.md', 120_000);
