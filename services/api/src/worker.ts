/** The worker-thread entry of the compute pool (piscina): one task in, one outcome out. */
import { runTask, type Task, type TaskOutcome } from './compute.ts';

export default function work(task: Task): Promise<TaskOutcome> {
  return runTask(task);
}
