export { ndarrayToMatrix, readMatrixNpy, readNpy, writeMatrixNpy, writeNpy } from './arrays.ts';
export { IO_ERRORS } from './errors.ts';
export { readFileChecked, withFile, writeFileAtomic } from './files.ts';
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
export {
  decodeHdf5Tree,
  encodeHdf5Tree,
  HDF5_TREE_ERRORS,
  type Hdf5AttrValue,
  type Hdf5TreeDataset,
  type Hdf5TreeGroup,
  type Hdf5TreeNode,
  hdf5,
  readHdf5Tree,
  writeHdf5Tree,
} from './hdf5-tree.ts';
export { decodeMat, decodeMatFile, decodeWhosMat, readMat, readMatFile, whosMat } from './mat.ts';
export {
  dtypeOfClass,
  isMatArray,
  isMatCell,
  isMatStruct,
  isMatStructArray,
  type MatArray,
  type MatCell,
  type MatFile,
  type MatNumericClass,
  type MatReadOptions,
  type MatStruct,
  type MatStructArray,
  type MatValue,
  type MatVariableInfo,
  type MatWarning,
} from './mat-types.ts';
export { charsToStrings } from './mat5.ts';
export { decodeNpy, decodeNpyHeader, encodeNpy, type NpyLayout, npyFromLayout, npyLayout } from './npy.ts';
export { decodeNpz, encodeNpz, npzEntry, readNpz, writeNpz } from './npz.ts';
export {
  DEFAULT_NA_VALUES,
  formatTable,
  parseTable,
  type ReadTableOptions,
  readTable,
  type Table,
  type TableColumn,
  type WriteTableOptions,
  writeTable,
} from './table.ts';
export {
  arrayFromBytes,
  castArray,
  DTYPE_INFO,
  dtypeOfArray,
  fortranToC,
  fortranToCList,
  type NdArray,
  type NpDtype,
  type NumericArray,
  product,
  swapBytesInPlace,
  toFloat64,
} from './typed.ts';
