import { testDocBlocks } from '../helpers/runDocBlocks.js';

testDocBlocks('README.md');
