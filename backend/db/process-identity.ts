// Which process a pid names: a pid alone is not an identity (the OS reuses them), so a worker records its
// pid together with its start token (boot id + start time) and liveness checks compare both.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let bootId: string | undefined;

/**
 * A string that identifies the process `pid` for as long as it lives and differs for a later process that gets
 * the same pid; null when the platform cannot say (Windows) or the process does not exist.
 * Linux: /proc/<pid>/stat start time in clock ticks since boot, plus the boot id; macOS/BSD: `ps -o lstart`.
 */
export function processStartToken(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after "(comm)": state is field 3, starttime field 22 → index 19 after the closing paren.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      return `linux:${bootId}:${fields[19]}`;
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return null;
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out ? `ps:${out}` : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (EPERM = exists but owned by someone else). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that recorded (pid, token) is still the one running under that pid. Without a recorded
 * token (older rows, or Windows) the pid's existence is all there is to go on.
 */
export function sameProcessAlive(pid: number, token: string | null, now: (pid: number) => string | null = processStartToken): boolean {
  if (!pidExists(pid)) return false;
  if (token === null) return true;
  const current = now(pid);
  return current === null ? true : current === token;
}
