import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What was run: the package's name and version, and the git commit of its checkout when it is one. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** `git rev-parse HEAD` of the package's own checkout; absent when git or the checkout is missing. */
  readonly commit?: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let cached: PackageInfo | undefined;

/** Output of `git <args>` run in the package root, or undefined when git is absent or fails. */
function git(args: readonly string[]): string | undefined {
  const r = spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && typeof r.stdout === 'string' ? r.stdout.trim() : undefined;
}

/** The commit of the package root when the root is itself a git work tree (not a folder inside some other repository). */
function ownCommit(): string | undefined {
  const top = git(['rev-parse', '--show-toplevel']);
  if (top === undefined || !existsSync(top) || realpathSync(top) !== realpathSync(ROOT)) return undefined;
  const head = git(['rev-parse', 'HEAD']);
  return head !== undefined && /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
}

/** Name, version (from package.json) and git commit of this package, read once; never throws for a missing git. */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  const commit = ownCommit();
  cached = { name: pkg.name, version: pkg.version, ...(commit !== undefined ? { commit } : {}) };
  return cached;
}

/** `0.1.0` or `0.1.0 (commit 1a2b3c4d5e6f)`: what `--version` prints. */
export function versionLine(info: PackageInfo = packageInfo()): string {
  return info.commit ? `${info.version} (commit ${info.commit.slice(0, 12)})` : info.version;
}
