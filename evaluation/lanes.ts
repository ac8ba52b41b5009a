/**
 * Lanes: long-lived sandboxes, one per core, each running a harness runner that checks one sample
 * at a time on command. Starting Python and the harness once per lane instead of once per sample
 * is what keeps sandboxed evaluation close to the harness's own speed.
 *
 * One sample is in flight per lane, so when a lane dies (the solution killed the runner, printed
 * past the output limit, or outlived its time budget) the culprit is known: it gets the failure,
 * the lane is restarted, and the other samples carry on.
 */
import { startSandboxed, type SandboxOptions, type SandboxProcess, type SandboxResult } from '../sandbox';
import { outcomeFromSandbox, type FailureCategory, type TestOutcome } from './verdicts';

export interface LaneCommand {
  seq: number;
  task_id: string;
  solution: string;
}

export interface LaneOutcome {
  parts: Record<string, TestOutcome>;
  durationMs: number;
}

export interface LanePoolOptions {
  commands: LaneCommand[];
  parallelism: number;
  /** The lane's sandbox: argv, files, env, limits. Its timeoutMs bounds a whole lane. */
  sandbox: Omit<SandboxOptions, 'stdin' | 'onStdout' | 'onStderr'>;
  /** Test parts every verdict has ('base', or 'base' and 'plus'). */
  parts: string[];
  /** Output (stdout + stderr of the solution) one sample may produce before its lane is killed. */
  perSampleOutputBytes: number;
  /** Added to the runner's own budget for a check before the lane is killed. */
  graceMs: number;
  /** Longest wait for the runner to start a check it was sent (loading expected outputs). */
  startTimeoutMs: number;
  onOutcome?: (seq: number, outcome: LaneOutcome) => void;
  signal?: AbortSignal;
}

interface RunnerMessage {
  event: 'ready' | 'start' | 'part' | 'verdict' | 'fatal';
  seq?: number;
  budget_s?: number;
  part?: string;
  outcome?: TestOutcome;
  error?: string;
  [part: string]: unknown;
}

type KillCause = { category: FailureCategory; detail: string };

export async function runLanes(opts: LanePoolOptions): Promise<Map<number, LaneOutcome>> {
  const queue = [...opts.commands];
  const results = new Map<number, LaneOutcome>();
  const live = new Set<SandboxProcess>();
  const abort = () => live.forEach((p) => p.kill('caller'));
  opts.signal?.addEventListener('abort', abort);
  try {
    const lanes = Math.max(1, Math.min(opts.parallelism, queue.length));
    await Promise.all(Array.from({ length: lanes }, () => laneLoop(opts, queue, results, live)));
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('evaluation aborted');
  return results;
}

async function laneLoop(
  opts: LanePoolOptions,
  queue: LaneCommand[],
  results: Map<number, LaneOutcome>,
  live: Set<SandboxProcess>,
): Promise<void> {
  let failedStarts = 0;
  while (queue.length > 0 && !opts.signal?.aborted) {
    const r = await runOneLane(opts, queue, results, live);
    if (r.fatal) throw new Error(r.fatal);
    if (!r.becameReady) {
      failedStarts++;
      if (failedStarts >= 2) {
        throw new Error(
          `the evaluation runner did not start in its sandbox (exit ${r.result.exitCode}, signal ${r.result.signal}): ` +
            r.stderrTail.trim().slice(-2000),
        );
      }
    } else failedStarts = 0;
  }
}

async function runOneLane(
  opts: LanePoolOptions,
  queue: LaneCommand[],
  results: Map<number, LaneOutcome>,
  live: Set<SandboxProcess>,
): Promise<{ becameReady: boolean; result: SandboxResult; stderrTail: string; fatal?: string }> {
  let becameReady = false;
  let inflight: { cmd: LaneCommand; sentAt: number; started: boolean; parts: Record<string, TestOutcome> } | undefined;
  let outputSinceSent = 0;
  let stderrTail = '';
  let watchdog: NodeJS.Timeout | undefined;
  let killCause: KillCause | undefined;
  let fatal: string | undefined;
  let pending = '';

  const proc: SandboxProcess = startSandboxed({
    ...opts.sandbox,
    onStdout: (chunk) => {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        let msg: RunnerMessage;
        try {
          msg = JSON.parse(line) as RunnerMessage;
        } catch {
          fatal = `evaluation runner wrote a line that is not JSON: ${line.slice(0, 200)}`;
          proc.kill('caller');
          return;
        }
        onMessage(msg);
      }
    },
    onStderr: (chunk) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-8192);
      if (!inflight) return;
      outputSinceSent += chunk.length;
      if (outputSinceSent > opts.perSampleOutputBytes) {
        killLane({ category: 'resource_limit', detail: `printed more than ${opts.perSampleOutputBytes} bytes` });
      }
    },
  });
  live.add(proc);

  const killLane = (cause: KillCause) => {
    if (!killCause) killCause = cause;
    proc.kill('caller');
  };
  const arm = (ms: number, cause: KillCause) => {
    if (watchdog) clearTimeout(watchdog);
    watchdog = setTimeout(() => killLane(cause), ms);
  };
  const dispatch = () => {
    const cmd = queue.shift();
    if (!cmd) {
      proc.endInput();
      return;
    }
    inflight = { cmd, sentAt: Date.now(), started: false, parts: {} };
    outputSinceSent = 0;
    arm(opts.startTimeoutMs, { category: 'timeout', detail: `the runner did not start the check within ${opts.startTimeoutMs / 1000} s` });
    proc.write(JSON.stringify(cmd) + '\n');
  };
  const onMessage = (m: RunnerMessage) => {
    switch (m.event) {
      case 'ready':
        becameReady = true;
        dispatch();
        break;
      case 'start': {
        if (inflight && m.seq === inflight.cmd.seq) inflight.started = true;
        const budgetMs = (m.budget_s ?? 0) * 1000 + opts.graceMs;
        arm(budgetMs, { category: 'timeout', detail: `no verdict within the check's time budget (${Math.round(budgetMs / 1000)} s)` });
        break;
      }
      case 'part':
        if (inflight && m.seq === inflight.cmd.seq && m.part && m.outcome) inflight.parts[m.part] = m.outcome;
        break;
      case 'verdict': {
        if (!inflight || m.seq !== inflight.cmd.seq) break;
        if (watchdog) clearTimeout(watchdog);
        if (m.error) {
          fatal = `evaluation runner: ${m.error}`;
          proc.kill('caller');
          break;
        }
        const parts: Record<string, TestOutcome> = {};
        for (const p of opts.parts) parts[p] = (m[p] as TestOutcome | undefined) ?? inflight.parts[p];
        const outcome = { parts, durationMs: Date.now() - inflight.sentAt };
        results.set(inflight.cmd.seq, outcome);
        opts.onOutcome?.(inflight.cmd.seq, outcome);
        inflight = undefined;
        dispatch();
        break;
      }
      case 'fatal':
        fatal = `evaluation runner: ${m.error}`;
        proc.kill('caller');
        break;
    }
  };

  const result = await proc.result;
  live.delete(proc);
  if (watchdog) clearTimeout(watchdog);
  if (inflight && !inflight.started && !fatal && !opts.signal?.aborted) {
    // The solution had not run yet: the runner itself failed (loading the task's expected outputs).
    fatal = `the evaluation runner failed before checking ${inflight.cmd.task_id}: ${killCause?.detail ?? `exit ${result.exitCode}`}: ${stderrTail.trim().slice(-2000)}`;
  }
  if (inflight && !fatal && !opts.signal?.aborted) {
    const cause = killCause ?? causeFromResult(result);
    const parts: Record<string, TestOutcome> = {};
    for (const p of opts.parts) parts[p] = inflight.parts[p] ?? outcomeFromSandbox(cause.category, cause.detail);
    const outcome = { parts, durationMs: Date.now() - inflight.sentAt };
    results.set(inflight.cmd.seq, outcome);
    opts.onOutcome?.(inflight.cmd.seq, outcome);
  }
  return { becameReady, result, stderrTail, fatal };
}

function causeFromResult(r: SandboxResult): KillCause {
  if (r.timedOut) return { category: 'timeout', detail: 'the lane reached its wall-clock limit' };
  if (r.outputLimited) return { category: 'resource_limit', detail: 'output limit of the sandbox reached' };
  if (r.signal === 'SIGXCPU' || r.signal === 'SIGXFSZ') {
    return { category: 'resource_limit', detail: `the evaluator was killed by ${r.signal}` };
  }
  return {
    category: 'exception',
    detail: `the evaluator died during the check (exit ${r.exitCode}${r.signal ? `, ${r.signal}` : ''}): the solution killed it`,
  };
}
