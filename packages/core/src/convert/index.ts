// Storage format to Markdown: the default `Converter`.
export type { StorageConverterOptions, StorageConverterOptionsInput } from "./storage-converter.js";
export { createStorageConverter, StorageConverter, storageConverterOptionsSchema } from "./storage-converter.js";
