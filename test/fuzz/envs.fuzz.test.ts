// Every env of the package, first through checkParallelEnv, then through arbitrary call sequences:
// NaN / ±Infinity / huge / wrongly shaped / wrongly typed actions, missing and extra agents, junk
// seeds and reset options, step before reset and after the end, reset mid-episode, close twice,
// calls after close. See fuzzEnv.ts for what is checked after each call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkParallelEnv } from '../../src/core/checkParallelEnv.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { EnsembleDecodingEnv, type DecodingItem } from '../../src/envs/EnsembleDecodingEnv.js';
import { FocalEnv } from '../../src/envs/FocalEnv.js';
import { RecordEpisodeStatistics } from '../../src/envs/wrappers/RecordEpisodeStatistics.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';
import { FakeModel } from '../../src/testing/decodingFakes.js';
import { fuzzEnv, junkValue } from '../support/fuzzEnv.js';

const answers = syntheticAnswers({ seed: 3, numItems: 40 });

/** Valid and invalid `reset` options of the answer envs. */
const answerOptions = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record({ split: fc.constantFrom('train', 'test', 'all'), order: fc.constantFrom('shuffle', 'random', 'sequential') }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.record({ itemIndex: fc.oneof(fc.integer({ min: -2, max: 45 }), junkValue) }) },
  { weight: 1, arbitrary: fc.record({ split: fc.constantFrom('train', 'test', 'all'), itemIndex: fc.integer({ min: -1, max: 45 }) }) },
  { weight: 1, arbitrary: fc.record({ split: junkValue, order: junkValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: junkValue },
);

const CHARS = '0123456789+=;ab '.split('');
const ITEMS: DecodingItem[] = [
  { id: 'x', prompt: '12+3=', answer: '15;' },
  { id: 'y', prompt: 'ab+1=', answer: 'ba;' },
];
const fakeModels = (topK: boolean): FakeModel[] => [
  new FakeModel({ id: 'char', tokens: CHARS, seed: 1, hiddenSize: 6 }),
  new FakeModel({ id: 'pairs', tokens: [...CHARS, '12', '15', ';'], seed: 2, topK: topK ? 4 : undefined }),
];

const TARGETS = {
  CoordinationGameEnv: {
    make: () => new CoordinationGameEnv({ nAgents: 3, horizon: 4, cueNoise: 0.2 }),
    resetOptions: fc.oneof(fc.constant(undefined), junkValue),
  },
  AnswerEnsembleEnv: { make: () => new AnswerEnsembleEnv({ data: answers }), resetOptions: answerOptions },
  'AnswerEnsembleEnv(concentration)': {
    make: () => new AnswerEnsembleEnv({ data: answers, actionParam: 'concentration', wrongReward: -1 }),
    resetOptions: answerOptions,
  },
  'AnswerEnsembleEnv(votes, expected, rich)': {
    make: () => new AnswerEnsembleEnv({ data: answers, fusion: 'votes', reward: 'expected', features: 'rich', wrongReward: -1 }),
    resetOptions: answerOptions,
  },
  'AnswerEnsembleEnv(calibrated)': { make: () => new AnswerEnsembleEnv({ data: answers, fusion: 'calibrated' }), resetOptions: answerOptions },
  'AnswerEnsembleEnv(calibrated, difference, rich)': {
    make: () => new AnswerEnsembleEnv({ data: answers, fusion: 'calibrated', reward: 'difference', features: 'rich' }),
    resetOptions: answerOptions,
  },
  FocalEnv: { make: () => new FocalEnv({ data: answers, beta: 0.5 }), resetOptions: answerOptions },
  'FocalEnv(votes, rich)': { make: () => new FocalEnv({ data: answers, fusion: 'votes', features: 'rich', reward: 'expected' }), resetOptions: answerOptions },
  'FocalEnv(per-model, calibrated)': { make: () => new FocalEnv({ data: answers, deciders: 'per-model', fusion: 'calibrated' }), resetOptions: answerOptions },
  'FocalEnv(per-model, concentration)': {
    make: () => new FocalEnv({ data: answers, deciders: 'per-model', actionParam: 'concentration' }),
    resetOptions: answerOptions,
  },
  EnsembleDecodingEnv: {
    make: () => new EnsembleDecodingEnv({ models: fakeModels(false), items: ITEMS, endOfAnswer: ';', spanLength: 2, maxSteps: 3, obsHiddenDim: 4 }),
    resetOptions: fc.oneof(fc.constant(undefined), fc.record({ itemIndex: fc.oneof(fc.integer({ min: -1, max: 3 }), junkValue) }), junkValue),
  },
  'RecordEpisodeStatistics(FocalEnv)': { make: () => new RecordEpisodeStatistics(new FocalEnv({ data: answers }), 3), resetOptions: answerOptions },
  'EnsembleDecodingEnv(top-k, sample, concentration)': {
    make: () =>
      new EnsembleDecodingEnv({
        models: fakeModels(true),
        items: ITEMS,
        endOfAnswer: ';',
        spanLength: 2,
        maxSteps: 3,
        obsHiddenDim: 4,
        decoding: 'sample',
        actionParam: 'concentration',
        stepCost: 0.01,
      }),
    resetOptions: fc.oneof(fc.constant(undefined), fc.record({ itemIndex: fc.oneof(fc.integer({ min: -1, max: 3 }), junkValue) })),
  },
} as const;

for (const [name, t] of Object.entries(TARGETS)) {
  test(`${name}: checkParallelEnv, then arbitrary calls either succeed validly or throw typed errors, and never change what valid calls give`, async () => {
    const report = await checkParallelEnv(t.make, { steps: 40 });
    assert.deepEqual(report.problems, []);
    // Cheap envs get more sequences; the decoding env runs model calls on every step.
    const runs = name.startsWith('EnsembleDecoding') ? 120 : name.startsWith('Record') ? 120 : 220;
    const stats = await fuzzEnv({ name, make: t.make, resetOptions: t.resetOptions, runs, maxOps: 14 });
    assert.ok(stats.cases >= runs);
    assert.ok(stats.typedErrors > 0 && stats.ok > 0, 'both valid and invalid calls were exercised');
  });
}
