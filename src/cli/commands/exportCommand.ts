import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../../backend/initBackend.js';
import { MlpActorCritic } from '../../agents/MlpActorCritic.js';
import { exportPolicyOnnx, ONNX_POLICY_IO } from '../../agents/exportPolicyOnnx.js';
import { readCheckpoint } from '../../algos/checkpoint.js';
import { renderTable } from '../renderTable.js';

/** Registers `export`: writes a checkpoint's trained actors as ONNX files plus a manifest. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export the trained actors of a checkpoint to ONNX (one file per actor group) with a manifest.json saying which agents each serves')
    .requiredOption('--checkpoint <file>', 'checkpoint.json written by train or demo')
    .requiredOption('--out <dir>', 'folder for the .onnx files and manifest.json (created)')
    .action(async (opts: { checkpoint: string; out: string }) => {
      const state = readCheckpoint(opts.checkpoint);
      await initBackend();
      const policy = MlpActorCritic.fromState(state.policy);
      try {
        mkdirSync(opts.out, { recursive: true });
        const groups = policy.groups.map((g, i) => {
          const file = `actor-${i}.onnx`;
          exportPolicyOnnx(policy, join(opts.out, file), i);
          return { file, members: g.spec.members, obsDim: g.spec.obsDim, inputDim: g.actorIn, actionDim: g.head.dim };
        });
        writeFileSync(
          join(opts.out, 'manifest.json'),
          JSON.stringify({ checkpoint: opts.checkpoint, algo: state.config.algo, io: ONNX_POLICY_IO, groups }, null, 1),
        );
        process.stdout.write(
          `${renderTable(
            ['file', 'agents', 'input floats', 'action floats'],
            groups.map((g) => [g.file, g.members.join(', '), g.inputDim, g.actionDim]),
          )}\n`,
        );
        process.stdout.write(`wrote ${groups.length} ONNX actor(s) and manifest.json to ${opts.out}\n`);
      } finally {
        policy.dispose();
      }
    });
}
