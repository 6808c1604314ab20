// Tokenize files with a TextMate grammar the way VS Code does (vscode-textmate on the
// Oniguruma regex engine compiled to WebAssembly), for tests/editors/.
//
// usage: node tests/node/tokenize-textmate.mjs GRAMMAR.json FILE [FILE...]
// prints one JSON object: {FILE: [[line, startCol, endCol, [scopes...]], ...]} with 0-based
// lines and columns (UTF-16 code units, as JavaScript counts them); exit 2 on usage errors.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import textmate from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const require = createRequire(import.meta.url);
const [grammarPath, ...files] = process.argv.slice(2);
if (!grammarPath || files.length === 0) {
  console.error('usage: tokenize-textmate.mjs GRAMMAR.json FILE [FILE...]');
  process.exit(2);
}

const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));

const raw = textmate.parseRawGrammar(readFileSync(grammarPath, 'utf-8'), grammarPath);
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) => (scope === raw.scopeName ? raw : null),
});
const grammar = await registry.loadGrammar(raw.scopeName);

const out = {};
for (const file of files) {
  const tokens = [];
  let stack = textmate.INITIAL;
  readFileSync(file, 'utf-8').split('\n').forEach((line, n) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const t of result.tokens) tokens.push([n, t.startIndex, t.endIndex, t.scopes]);
    stack = result.ruleStack;
  });
  out[file] = tokens;
}
console.log(JSON.stringify(out));
