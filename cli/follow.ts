/**
 * Follows a run until it closes: a progress bar per stage on a terminal, one line per change
 * otherwise (logs, CI).
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Client } from '@temporalio/client';
import { stageNames, type StageName } from '../workflows/status';
import { describeRun, type RunView } from './runView';

const pollMs = 1_000;

/** Returns the last view when the run closes, or as soon as `stop` is aborted (Ctrl-C). */
export async function followRun(client: Client, workflowId: string, stop: AbortSignal, stream: NodeJS.WriteStream = process.stderr): Promise<RunView> {
  const display = stream.isTTY ? new BarDisplay(stream) : new LineDisplay(stream);
  let waitingShown = false;
  try {
    for (;;) {
      const view = await describeRun(client, workflowId);
      display.update(view);
      // No worker answers: say so once instead of following silently.
      if (view.statusError && !waitingShown) stream.write(`waiting: ${view.statusError}\n`);
      waitingShown ||= view.statusError !== undefined;
      if (view.runStatus !== 'RUNNING') return view;
      await new Promise<void>((resolve) => {
        // One listener per poll, removed when the poll's timer fires: a week-long follow must not
        // pile up abort listeners (MaxListenersExceededWarning).
        const onStop = () => (clearTimeout(timer), resolve());
        const timer = setTimeout(() => (stop.removeEventListener('abort', onStop), resolve()), pollMs);
        stop.addEventListener('abort', onStop, { once: true });
      });
      // In-process workers stop on Ctrl-C too, so a further status query would find none.
      if (stop.aborted) return view;
    }
  } finally {
    display.stop();
  }
}

interface StageLine {
  stage: StageName;
  state: string;
  done: number;
  total: number;
  detail: string;
}

/** One line of state per stage, merging the workflow's stage states with activity heartbeats. */
export function stageLines(view: RunView): StageLine[] {
  // Without the workflow's own status (cancelled, or no worker answered) there is no per-stage truth.
  if (!view.status) return [];
  return stageNames.map((stage) => {
    const status = view.status?.stages[stage];
    const state = status?.state ?? 'pending';
    const live = view.status?.stage === stage ? view.activities[0] : undefined;
    const progress = status?.progress ?? live?.progress;
    const done = state === 'completed' ? 1 : progress && progress.total > 0 ? progress.done / progress.total : 0;
    const detail = [
      progress ? `${progress.phase} ${progress.done}/${progress.total} ${progress.unit}` : '',
      live?.progress?.rejected !== undefined ? `current shard: ${live.progress.rejected} rejected, ${live.progress.inFlight ?? 0} in flight` : '',
      live && live.attempt > 1 ? `attempt ${live.attempt}${live.lastFailure ? ` (last: ${live.lastFailure})` : ''}` : '',
      status?.summary ?? '',
    ]
      .filter(Boolean)
      .join(', ');
    return { stage, state, done: Math.round(done * 100), total: 100, detail };
  });
}

class BarDisplay {
  private readonly multibar: MultiBar;
  private readonly bars = new Map<StageName, SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.multibar = new MultiBar(
      { stream, format: ' {stage} |{bar}| {percentage}% {state} {detail}', hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    );
  }

  update(view: RunView): void {
    for (const line of stageLines(view)) {
      const payload = { stage: line.stage.padEnd(8), state: line.state, detail: line.detail };
      const bar = this.bars.get(line.stage);
      if (bar) bar.update(line.done, payload);
      else this.bars.set(line.stage, this.multibar.create(line.total, line.done, payload));
    }
  }

  stop(): void {
    this.multibar.stop();
  }
}

class LineDisplay {
  private last = new Map<StageName, string>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(view: RunView): void {
    for (const line of stageLines(view)) {
      const text = `${line.stage}: ${line.state}${line.detail ? ` (${line.detail})` : ''}`;
      if (this.last.get(line.stage) !== text) this.stream.write(`${text}\n`);
      this.last.set(line.stage, text);
    }
  }

  stop(): void {}
}
