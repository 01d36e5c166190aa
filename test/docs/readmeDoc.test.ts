import { testDocBlocks } from '../support/runDocBlocks.js';

testDocBlocks('README.md');
