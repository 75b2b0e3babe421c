// The AMD `define` NetSuite loads SuiteScript 2.1 modules with. The factory's parameters are
// typed in the script with JSDoc (`typeof import('N/file')`), so each module is checked.
declare function define(deps: string[], factory: (...modules: any[]) => unknown): void;
