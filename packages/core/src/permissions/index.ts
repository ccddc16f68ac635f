export {
  ANYONE,
  assertPrincipalGiven,
  canRead,
  checkPrincipal,
  checkReaders,
  effectiveReaders,
  principalTokens,
  readersClause,
  sameReaders,
} from "./readers.js";
