export * from './arrays.ts';
export * from './errors.ts';
export * from './files.ts';
export { hdf5Loaded, loadHdf5 } from './h5wasm-runtime.ts';
export {
  decodeHdf5,
  decodeHdf5Dataset,
  decodeHdf5Listing,
  type Hdf5Dataset,
  type Hdf5Entry,
  listHdf5,
  readHdf5,
  readHdf5Dataset,
} from './hdf5.ts';
export * from './hdf5-tree.ts';
export { decodeMat, decodeMatFile, decodeWhosMat, readMat, readMatFile, whosMat } from './mat.ts';
export * from './mat-types.ts';
export { charsToStrings } from './mat5.ts';
export * from './npy.ts';
export * from './npz.ts';
export * from './table.ts';
export * from './typed.ts';
