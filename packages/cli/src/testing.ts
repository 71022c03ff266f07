/** Test helper: run the `concord` command in-process with captured stdout/stderr (used by the CLI suites). */
import { runCli } from './run.ts';

class Capture {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

/** Exit status and everything written to stdout and stderr by `concord <argv> --quiet`, run in `cwd`. */
export async function runCliCaptured(
  argv: string[],
  cwd: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await runCli([...argv, '--quiet'], { stdout: stdout as never, stderr: stderr as never, cwd });
  return { status, stdout: stdout.text, stderr: stderr.text };
}
