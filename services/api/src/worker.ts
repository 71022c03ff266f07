/** The worker-thread entry of the compute pool (piscina): one task in, one outcome out. */
import * as rsa from '@concord/rsa';
import * as similarity from '@concord/similarity';
import { runTask, type Task, type TaskOutcome } from './compute.ts';

const libraries = { rsa, similarity };

export default function work(task: Task): Promise<TaskOutcome> {
  return runTask(task, libraries);
}
