// Public exports of this module; filled in as it grows.
export {};
