import { testDocBlocks } from '../support/runDocBlocks.js';

testDocBlocks('docs/env-api.md');
