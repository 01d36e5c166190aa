import { testDocBlocks } from '../helpers/runDocBlocks.js';

testDocBlocks('docs/adapters.md');
