export * from './edf/header.ts';
export * from './edf/read-edf.ts';
export * from './errors.ts';
export * from './fft.ts';
export * from './raw.ts';
export * from './read-raw.ts';
export * from './resample.ts';
