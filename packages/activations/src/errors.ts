/** Error codes of @concord/activations (stable: callers, the CLI and the HTTP service dispatch on them). */
export const ACTIVATIONS_ERRORS = {
  /** The model file is missing, truncated or not a model of the claimed format. */
  MODEL_FORMAT: 'ERR_ACTIVATIONS_MODEL_FORMAT',
  /** The runtime refused the model (unsupported operator, opset or IR version). */
  MODEL_UNSUPPORTED: 'ERR_ACTIVATIONS_MODEL_UNSUPPORTED',
  /** A model file extension that is neither .onnx nor a TensorFlow.js model.json. */
  MODEL_KIND: 'ERR_ACTIVATIONS_MODEL_KIND',
  /** The input tensor does not match the model's input (shape or dtype). */
  INPUT_MISMATCH: 'ERR_ACTIVATIONS_MODEL_INPUT',
  /** A requested layer/tensor name is not in the model. */
  UNKNOWN_LAYER: 'ERR_ACTIVATIONS_UNKNOWN_LAYER',
  /** An activation contains NaN or ±Infinity. */
  NON_FINITE: 'ERR_ACTIVATIONS_NON_FINITE',
  /** The runtime failed while running a batch. */
  RUN_FAILED: 'ERR_ACTIVATIONS_MODEL_RUN',
  /** A stimulus folder, list or image that cannot be used. */
  STIMULI: 'ERR_ACTIVATIONS_STIMULI',
  /** An image that cannot be decoded. */
  IMAGE_DECODE: 'ERR_ACTIVATIONS_IMAGE_DECODE',
  /** A reduction that cannot be applied (unknown kind, wrong shape, bad parameter). */
  REDUCE: 'ERR_ACTIVATIONS_REDUCE',
  /** An activation file or manifest that cannot be read. */
  ACTIVATION_FILE: 'ERR_ACTIVATIONS_FILE',
  /** A bad option value. */
  OPTION: 'ERR_ACTIVATIONS_OPTION',
} as const;
