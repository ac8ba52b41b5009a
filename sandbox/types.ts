/**
 * Options and results of one sandboxed command. Every execution of generated code (evaluation,
 * verified-incorrect teacher) goes through this one module, so the limits mean the same everywhere.
 */

/** bwrap: isolated under bubblewrap. none: same limits, no isolation (config `sandbox: none`). */
export type SandboxMode = 'bwrap' | 'none';

export interface SandboxOptions {
  /** Command and arguments; argv[0] is looked up in the sandbox PATH. Relative paths resolve in the workdir. */
  argv: string[];
  mode?: SandboxMode;
  /** Written to the command's stdin, which is then closed. Leave out with spawnSandboxed to keep stdin open. */
  stdin?: string | Buffer;
  /** Files placed in the private workdir before the command starts, by relative path. */
  files?: Record<string, string | Buffer>;
  /**
   * Host paths made visible read-only at the same path (an interpreter, a data folder). Nothing of
   * the host is visible otherwise, apart from /usr and a few files of /etc (see systemPaths.ts).
   */
  readOnlyPaths?: string[];
  /** Added to the minimal environment (PATH, HOME, LANG, TMPDIR); nothing of the caller's leaks in. */
  env?: Record<string, string>;
  /** Wall clock for the whole run; then the whole process tree is killed. */
  timeoutMs: number;
  /** Address space of each process (RLIMIT_AS). */
  memoryMb: number;
  /** CPU time of each process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Processes of the sandbox user (RLIMIT_NPROC), counted inside this sandbox only. */
  maxProcesses: number;
  /** Largest file a process may write (RLIMIT_FSIZE). Default 64 MB. */
  maxFileMb?: number;
  /** stdout + stderr together; past this the parent stops reading and kills the sandbox. */
  maxOutputBytes: number;
  /** Size of the private /tmp (a tmpfs, so it is memory). Default 256 MB. */
  tmpSizeMb?: number;
  /** Streams stdout instead of collecting it (result.stdout is then empty). */
  onStdout?: (chunk: Buffer) => void;
  /** Streams stderr instead of collecting it (result.stderr is then empty). */
  onStderr?: (chunk: Buffer) => void;
}

export type SandboxKillReason = 'timeout' | 'output' | 'caller';

export interface SandboxResult {
  /** Exit status of the command; under bwrap a command killed by signal N reads 128 + N (see signal). */
  exitCode: number | null;
  /** Signal that ended the command, when known (bwrap's 128 + N, or the signal we sent). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outputLimited: boolean;
  /** The caller ended it through SandboxProcess.kill(). */
  killed: boolean;
  durationMs: number;
  mode: SandboxMode;
  /** False for mode none: the command saw the host's files, network and processes. */
  isolated: boolean;
  warning?: string;
}

export interface SandboxProcess {
  /** Host pid of the sandbox's outermost process (bwrap, or prlimit in mode none). */
  readonly pid: number;
  /** Writes to the command's stdin; false once stdin is closed. */
  write(data: string | Buffer): boolean;
  endInput(): void;
  /** Kills the whole sandbox; the result records why. */
  kill(reason?: SandboxKillReason): void;
  readonly result: Promise<SandboxResult>;
}
