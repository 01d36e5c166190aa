import { testDocBlocks } from '../helpers/runDocBlocks.js';

testDocBlocks('docs/env-api.md');
