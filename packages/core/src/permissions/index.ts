export {
  ConfluencePrincipalResolver,
  type ConfluencePrincipalResolverOptions,
} from "./principal-resolver.js";
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
