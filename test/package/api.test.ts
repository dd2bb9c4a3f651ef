// The public API's promise that every export of the package's entry points (the root, src/index.ts, and
// `dnsplane/s3`, src/s3.ts) states its contract: each name exported there has a doc comment, on the export there or on its declaration (an editor shows it on hover, and
// the .d.ts keeps it).
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** The names exported from an entry point whose declaration has no doc comment. */
function undocumentedExports(entry: string): string[] {
  const index = path.join(root, entry);
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  return checker
    .getExportsOfModule(module)
    .filter((symbol) => {
      // The comment on the export in src/index.ts, else the one on the declaration it names.
      if (symbol.getDocumentationComment(checker).length > 0) return false;
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return target.getDocumentationComment(checker).length === 0;
    })
    .map((symbol) => symbol.name)
    .sort();
}

describe.each(['src/index.ts', 'src/s3.ts'])('the entry point %s', (entry) => {
  it('documents every export', () => {
    expect(undocumentedExports(entry)).toEqual([]);
  });
});
