/**
 * Lanes: long-lived sandboxes, one per core, each running a harness runner that checks one sample
 * at a time on command. Starting Python and the harness once per lane instead of once per sample
 * is what keeps sandboxed evaluation close to the harness's own speed.
 *
 * A sample's output is what its runner's stderr carries up to the runner's mark for it
 * (outputMarks.ts), so whether it passed the output cap does not depend on when the two pipes
 * are read. One sample is in flight per lane, so when a lane dies (the solution killed the runner, printed
 * past the output limit, or outlived its time budget) the culprit is known: it gets the failure,
 * the lane is restarted, and the other samples carry on.
 */
import { startSandboxed, type SandboxOptions, type SandboxProcess, type SandboxResult } from '../sandbox';
import { MARK_LENGTH, OutputMarks } from './outputMarks';
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
  const output = new OutputMarks();
  /** The start mark of the running sample until it has been read from stderr; then its output is counted. */
  let startMark: string | undefined;
  let counting = false;
  /** The verdict message, held until the runner's output mark for it has been read from stderr. */
  let held: RunnerMessage | undefined;
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
        // A lane being killed takes no more verdicts and no more samples: the sample in flight
        // gets the kill's cause, and nothing sent now could be told apart from it.
        if (!killCause) onMessage(msg);
      }
    },
    onStderr: (chunk) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-8192);
      output.add(chunk);
      beginCounting();
      if (killCause) return; // its samples are settled when it has died
      if (held && output.has(held.output_mark as string)) finishVerdict(held);
      // The sample's own end mark may already be counted here; past that, the cap is surely passed.
      else if (inflight && counting && output.pending() > opts.perSampleOutputBytes + MARK_LENGTH) {
        killLane({ category: 'output_limit', detail: outputLimitDetail(opts.perSampleOutputBytes) });
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
    arm(opts.startTimeoutMs, { category: 'timeout', detail: `the runner did not start the check within ${opts.startTimeoutMs / 1000} s` });
    proc.write(JSON.stringify(cmd) + '\n');
  };
  const beginCounting = () => {
    if (startMark !== undefined && output.has(startMark)) {
      output.take(startMark); // what came before (the runner's own start-up output) is no sample's
      startMark = undefined;
      counting = true;
    }
  };
  const finishVerdict = (m: RunnerMessage, next = true) => {
    beginCounting();
    held = undefined;
    counting = false;
    if (watchdog) clearTimeout(watchdog);
    const printed = typeof m.output_mark === 'string' ? output.take(m.output_mark) : output.pending();
    const parts: Record<string, TestOutcome> = {};
    for (const p of opts.parts) {
      const given = (m[p] as TestOutcome | undefined) ?? inflight!.parts[p];
      parts[p] = printed > opts.perSampleOutputBytes ? overOutputCap(given, opts.perSampleOutputBytes) : given;
    }
    const outcome = { parts, durationMs: Date.now() - inflight!.sentAt };
    results.set(inflight!.cmd.seq, outcome);
    opts.onOutcome?.(inflight!.cmd.seq, outcome);
    inflight = undefined;
    if (next) dispatch();
  };
  const onMessage = (m: RunnerMessage) => {
    switch (m.event) {
      case 'ready':
        becameReady = true;
        dispatch();
        break;
      case 'start': {
        if (inflight && m.seq === inflight.cmd.seq) inflight.started = true;
        if (typeof m.output_mark === 'string') {
          startMark = m.output_mark;
          beginCounting();
        }
        const budgetMs = (m.budget_s ?? 0) * 1000 + opts.graceMs;
        arm(budgetMs, { category: 'timeout', detail: `no verdict within the check's time budget (${Math.round(budgetMs / 1000)} s)` });
        break;
      }
      case 'part':
        if (inflight && m.seq === inflight.cmd.seq && m.part && m.outcome) inflight.parts[m.part] = m.outcome;
        break;
      case 'verdict': {
        if (!inflight || m.seq !== inflight.cmd.seq) break;
        if (m.error) {
          if (watchdog) clearTimeout(watchdog);
          fatal = `evaluation runner: ${m.error}`;
          proc.kill('caller');
          break;
        }
        if (typeof m.output_mark === 'string' && !output.has(m.output_mark)) held = m;
        else finishVerdict(m);
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
  // The runner sent the verdict but its mark never came (the lane was killed in between).
  if (held && inflight && !fatal) finishVerdict({ ...held, output_mark: undefined }, false);
  if (inflight && !inflight.started && !fatal && !opts.signal?.aborted) {
    // The solution had not run yet: the runner itself failed (loading the task's expected outputs).
    fatal = `the evaluation runner failed before checking ${inflight.cmd.task_id}: ${killCause?.detail ?? `exit ${result.exitCode}`}: ${stderrTail.trim().slice(-2000)}`;
  }
  if (inflight && !fatal && !opts.signal?.aborted) {
    const cause = killCause ?? causeFromResult(result);
    const parts: Record<string, TestOutcome> = {};
    for (const p of opts.parts) {
      // Past the output cap every part fails alike, whichever part was running when it was reached.
      parts[p] =
        cause.category === 'output_limit'
          ? overOutputCap(inflight.parts[p], opts.perSampleOutputBytes)
          : (inflight.parts[p] ?? outcomeFromSandbox(cause.category, cause.detail));
    }
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

function outputLimitDetail(cap: number): string {
  return `printed more than ${cap} bytes`;
}

/** The verdict of every part of a sample that printed past the cap, whatever its checks said. */
function overOutputCap(given: TestOutcome | undefined, cap: number): TestOutcome {
  const out = outcomeFromSandbox('output_limit', outputLimitDetail(cap));
  return given ? { ...out, harnessStatus: given.harnessStatus, note: `the harness said ${given.status}; output past the cap is a failure` } : out;
}
