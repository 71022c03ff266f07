/**
 * An image classification set as the engine consumes it: float images scaled to [0, 1] (the same scaling the
 * exported ONNX graph's `input` expects), one row per image in C×H×W order, integer labels.
 */
export interface ImageSet {
  /** n × (C·H·W), values in [0, 1]. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  /** One image: [C, H, W]. */
  readonly shape: readonly [number, number, number];
  readonly n: number;
}

export interface ImageDataset {
  /** 'fashion-mnist', 'mnist', 'cifar10', 'digits', or the path it was read from. */
  readonly name: string;
  readonly nClasses: number;
  readonly train: ImageSet;
  readonly test: ImageSet;
  /** Class names when the format has them. */
  readonly classNames?: readonly string[];
}
