import * as tf from '@tensorflow/tfjs';
import cliProgress from 'cli-progress';
import { Rng } from '../../src/core/Rng.js';
import { TinyDecoder, type TinyDecoderConfig } from './TinyDecoder.js';

/** One training example: token ids (BOS first) and the index of the first answer token. */
export interface EncodedExample {
  readonly ids: readonly number[];
  readonly answerStart: number;
}

/** Training hyper-parameters. */
export interface TrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** Peak Adam learning rate; linear warm-up over `warmupSteps`, then cosine decay to 10 %. */
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly seed: number;
  /** Label shown in the progress bar. */
  readonly label: string;
  /** Show progress (bar on a TTY, plain lines otherwise); default true. */
  readonly progress?: boolean;
}

/** What training measured. */
export interface TrainReport {
  readonly finalLoss: number;
  readonly seconds: number;
  readonly steps: number;
}

function progress(label: string, total: number): { update(step: number, loss: number): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} loss {loss} ({duration}s)`,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { loss: '-' });
    return { update: (s, l) => bar.update(s, { loss: l.toFixed(4) }), stop: () => bar.stop() };
  }
  const every = Math.max(1, Math.floor(total / 20));
  const t0 = Date.now();
  return {
    update: (s, l) => {
      if (s % every === 0 || s === total) console.error(`${label} step ${s}/${total} loss ${l.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
    },
    stop: () => undefined,
  };
}

/**
 * Trains `model` with Adam on next-token cross-entropy over the answer tokens only (the prompts are
 * random questions: predicting them teaches nothing), with a progress bar showing the loss.
 */
export async function trainDecoder(model: TinyDecoder, examples: readonly EncodedExample[], opts: TrainOptions): Promise<TrainReport> {
  const cfg: TinyDecoderConfig = model.config;
  const T = Math.max(...examples.map((e) => e.ids.length)) - 1;
  if (T + 1 > cfg.maxPositions) throw new Error(`example of ${T + 1} tokens exceeds maxPositions ${cfg.maxPositions}`);
  const rng = new Rng(`train/${opts.seed}`);
  const optimizer = tf.train.adam(opts.learningRate, 0.9, 0.98, 1e-8);
  const vars = model.variables();
  const bar = opts.progress === false ? { update: () => undefined, stop: () => undefined } : progress(opts.label, opts.steps);
  const t0 = Date.now();
  let ema = NaN;
  const B = opts.batchSize;
  for (let step = 1; step <= opts.steps; step++) {
    const input = new Int32Array(B * T);
    const batch = Array.from({ length: B }, () => examples[rng.int(examples.length)]);
    // The first position whose next token is an answer token: the head runs from there on.
    const from = Math.min(...batch.map((e) => e.answerStart)) - 1;
    const Tk = T - from;
    const target = new Int32Array(B * Tk);
    const weight = new Float32Array(B * Tk);
    for (let b = 0; b < B; b++) {
      const ex = batch[b];
      for (let t = 0; t < T; t++) {
        input[b * T + t] = t < ex.ids.length ? ex.ids[t] : 0;
        if (t < from) continue;
        const hasTarget = t + 1 < ex.ids.length;
        target[b * Tk + t - from] = hasTarget ? ex.ids[t + 1] : 0;
        weight[b * Tk + t - from] = hasTarget && t + 1 >= ex.answerStart ? 1 : 0;
      }
    }
    const warm = Math.min(1, step / opts.warmupSteps);
    const progressFrac = Math.max(0, (step - opts.warmupSteps) / Math.max(1, opts.steps - opts.warmupSteps));
    const lr = opts.learningRate * warm * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progressFrac)));
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    const lossT = tf.tidy(() => {
      const ids = tf.tensor2d(input, [B, T], 'int32');
      const tgt = tf.tensor1d(target, 'int32');
      const w = tf.tensor1d(weight);
      return optimizer.minimize(
        () => {
          const logits = model.logits(ids, undefined, from).reshape([B * Tk, cfg.vocabSize]);
          const logp = tf.logSoftmax(logits);
          const nll = tf.neg(tf.sum(logp.mul(tf.oneHot(tgt, cfg.vocabSize)), -1));
          return nll.mul(w).sum().div(w.sum()) as tf.Scalar;
        },
        true,
        vars,
      ) as tf.Scalar;
    });
    const loss = (await lossT.data())[0];
    lossT.dispose();
    ema = Number.isNaN(ema) ? loss : 0.95 * ema + 0.05 * loss;
    bar.update(step, ema);
  }
  bar.stop();
  optimizer.dispose();
  return { finalLoss: ema, seconds: (Date.now() - t0) / 1000, steps: opts.steps };
}
