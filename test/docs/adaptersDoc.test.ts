import { testDocBlocks } from '../support/runDocBlocks.js';

testDocBlocks('docs/adapters.md');
