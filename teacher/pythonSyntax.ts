/**
 * Does each Python code block parse? CPython's own parser decides, in one long-lived subprocess
 * per stage activity (a variant that is not even valid Python teaches nothing about subtle faults).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { codeBlocks, isPythonBlock } from './markdown';

const checker = `
import ast, json, sys
for line in sys.stdin:
    try:
        ast.parse(json.loads(line))
        print("", flush=True)
    except SyntaxError as e:
        print(f"line {e.lineno}: {e.msg}", flush=True)
    except Exception as e:
        print(f"{type(e).__name__}: {e}", flush=True)
`;

export class PythonSyntaxChecker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (verdict: string) => void; reject: (err: Error) => void }[] = [];
  private buffer = '';

  constructor(python = 'python3') {
    this.child = spawn(python, ['-I', '-c', checker]);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        const verdict = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        this.pending.shift()?.resolve(verdict);
      }
    });
    this.child.once('exit', (code) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`the Python syntax checker exited with code ${code}`));
    });
  }

  /** Null when every Python block of the markdown text parses, else the first syntax error. */
  async firstError(markdown: string): Promise<string | null> {
    for (const block of codeBlocks(markdown).filter(isPythonBlock)) {
      const verdict = await this.check(block.code);
      if (verdict) return `Python does not parse: ${verdict}`;
    }
    return null;
  }

  close(): void {
    this.child.stdin.end();
  }

  private check(code: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(JSON.stringify(code) + '\n');
    });
  }
}
