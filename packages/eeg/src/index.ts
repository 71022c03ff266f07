export { cropAnnotations, roundToMicrosecond } from './annotations.ts';
export { readRawBrainVision } from './brainvision.ts';
export { type EdfHeader, type EdfSignalHeader, parseEdfHeader } from './edf/header.ts';
export {
  type EdfChannelLayout,
  type ReadEdfOptions,
  readAnnotationsEdf,
  readEdfHeader,
  readRawBdf,
  readRawEdf,
} from './edf/read-edf.ts';
export {
  type EdfSource,
  formatEdfNumber,
  type WriteEdfOptions,
  type WriteEdfResult,
  writeBdf,
  writeEdf,
} from './edf/write-edf.ts';
export { readEpochsEeglab, readRawEeglab } from './eeglab.ts';
export { createEpochs, Epochs, type EpochsInit, type EpochsOptions, Evoked } from './epochs.ts';
export { EEG_ERRORS } from './errors.ts';
export {
  brainVisionEventId,
  defaultEventId,
  type EventIdFunction,
  type Events,
  eventsFromAnnotations,
  type FindEventsOptions,
  findEvents,
  readEvents,
} from './events.ts';
export { Fft, fftPlan, irfft, nextPowerOfTwo, rfft } from './fft.ts';
export { readRawFif } from './fif/read-fif.ts';
export { type DesignedFilter, designFilter, type FilterSpec, firwinDesign, firwinLowpass } from './filter-design.ts';
export { chooseFftLength, OverlapAddFilter, reflectLimitedPad } from './overlap-add.ts';
export {
  applyFir,
  applyFirFrom,
  baselineCorrect,
  type FilterOptions,
  filterData,
  filterRaw,
  type NotchOptions,
  notchFilter,
  type RowSource,
  resampleRaw,
  setEegReference,
} from './preprocessing.ts';
export { applyProj, makeProjector } from './projections.ts';
export {
  type Annotation,
  type ChannelReader,
  type ChannelType,
  type GetDataOptions,
  type Picks,
  type Projection,
  Raw,
  type RawInfo,
  type RawInit,
} from './raw.ts';
export { knownRawExtensions, readRaw, registerRawReader } from './read-raw.ts';
export { fftResample, holdResample } from './resample.ts';
