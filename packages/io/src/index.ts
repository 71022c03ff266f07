export * from './errors.ts';
export * from './typed.ts';
export * from './npy.ts';
export * from './npz.ts';
export * from './files.ts';
export * from './arrays.ts';
