// See testing/index.ts.
export {};
