import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

/**
 * One line of a run's `metrics.jsonl`: the training progress of one algorithm after `step` env
 * steps. Extra fields (losses, entropy, ...) are kept as they are.
 */
export interface MetricsRecord {
  readonly algo: string;
  readonly step: number;
  readonly successRate?: number;
  readonly meanReturn?: number;
  readonly [key: string]: unknown;
}

/** Parses JSONL text into metrics records; a malformed line throws a ConfigError naming the line. */
export function parseMetricsJsonl(text: string, source = 'metrics.jsonl'): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new ConfigError(`${source}:${i + 1}`, `not valid JSON (${(e as Error).message})`, 'Each line must be one JSON object.');
    }
    const r = rec as Partial<MetricsRecord>;
    if (typeof r !== 'object' || r === null || typeof r.algo !== 'string' || typeof r.step !== 'number') {
      throw new ConfigError(
        `${source}:${i + 1}`,
        'a metrics line needs a string "algo" and a number "step"',
        'Write lines like {"algo":"ppo","step":128,"successRate":0.4}.',
      );
    }
    out.push(r as MetricsRecord);
  }
  return out;
}

/** Reads and parses a metrics JSONL file. */
export function readMetricsJsonl(path: string): MetricsRecord[] {
  return parseMetricsJsonl(readFileSync(path, 'utf8'), path);
}
