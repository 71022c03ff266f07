/**
 * Error codes of @concord/learning (stable; the CLI exits 2 on the bad-input ones).
 *
 * | code | when |
 * |---|---|
 * | ERR_LEARNING_UNKNOWN_RULE | `--rule` is not a registered rule (the message lists them) |
 * | ERR_LEARNING_UNKNOWN_ARCH | `--arch` is not mlp or cnn |
 * | ERR_LEARNING_ARCH_UNSUPPORTED | the rule does not support the architecture |
 * | ERR_LEARNING_INPUT_SIZE | the dataset's image size does not fit the architecture |
 * | ERR_LEARNING_DIVERGED | the loss became NaN or infinite (names rule, epoch and batch) |
 * | ERR_LEARNING_RELAXATION_DIVERGED | a settle loop (predictive coding, EqProp) became non-finite, or did not converge where the rule requires it (names rule, layer, batch) |
 * | ERR_LEARNING_HYPER | a hyper-parameter or training setting is out of range |
 * | ERR_LEARNING_UNKNOWN_DATASET | a dataset name that is neither known nor a path |
 * | ERR_LEARNING_DATASET_MISSING | the dataset's files are not found |
 * | ERR_LEARNING_IDX | a malformed IDX file (magic number, dimensions, truncation) |
 * | ERR_LEARNING_CIFAR | a malformed CIFAR binary batch |
 * | ERR_LEARNING_COUNT_MISMATCH | image and label counts differ |
 * | ERR_LEARNING_IMAGE_FOLDER | an image-folder dataset without classes, with an empty class, or a test class the training split lacks |
 * | ERR_LEARNING_IMAGE | an image file in a folder dataset that cannot be read or decoded (PNG/JPEG), or whose size differs |
 * | ERR_LEARNING_CHECKPOINT | a checkpoint that does not belong to this run or is corrupt |
 * | ERR_LEARNING_OUTPUT | the output path cannot be written |
 * | ERR_LEARNING_WORKER | the training worker thread failed (internal, exit 1) |
 * | ERR_LEARNING_STATE | a backward step without the forward state it needs (a rule's bug, internal) |
 */
export const LEARNING_ERROR_CODES = [
  'ERR_LEARNING_UNKNOWN_RULE',
  'ERR_LEARNING_UNKNOWN_ARCH',
  'ERR_LEARNING_ARCH_UNSUPPORTED',
  'ERR_LEARNING_INPUT_SIZE',
  'ERR_LEARNING_DIVERGED',
  'ERR_LEARNING_RELAXATION_DIVERGED',
  'ERR_LEARNING_HYPER',
  'ERR_LEARNING_UNKNOWN_DATASET',
  'ERR_LEARNING_DATASET_MISSING',
  'ERR_LEARNING_IDX',
  'ERR_LEARNING_CIFAR',
  'ERR_LEARNING_COUNT_MISMATCH',
  'ERR_LEARNING_IMAGE_FOLDER',
  'ERR_LEARNING_IMAGE',
  'ERR_LEARNING_CHECKPOINT',
  'ERR_LEARNING_OUTPUT',
  'ERR_LEARNING_WORKER',
  'ERR_LEARNING_STATE',
] as const;
