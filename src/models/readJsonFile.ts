import { readFile } from 'node:fs/promises';
import { ModelLoadError } from './errors.js';

/**
 * Parses the JSON file at `path`. A missing file throws `ModelLoadError` (with `fix`) when `required`,
 * else gives undefined; unreadable or malformed files always throw `ModelLoadError` naming the path.
 */
export async function readJsonFile(path: string, opts: { required: boolean; fix?: string }): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!opts.required && code === 'ENOENT') return undefined;
    throw new ModelLoadError(
      path,
      code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? (e as Error).message})`,
      opts.fix ?? 'Check the path and the file permissions.',
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(path, `is not valid JSON (${(e as Error).message})`, 'Re-download or re-save the file.');
  }
}
