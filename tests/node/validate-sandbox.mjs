// Validate sandbox-runtime settings files against the schema that @anthropic-ai/sandbox-runtime
// itself uses to load them (SandboxRuntimeConfigSchema, a zod schema; utils/config-loader.js
// calls SandboxRuntimeConfigSchema.safeParse on the parsed JSON).
//
// usage: node tests/node/validate-sandbox.mjs FILE [FILE...]     (FILE "-" reads stdin)
// prints one JSON line: [{"file", "ok", "issues": [{path, code, message}], "unknownKeys": [[..path]]}]
// exit status: 0 when every file is accepted, 1 when any is rejected, 2 on usage errors.
//
// zod objects in this schema are not strict: keys it does not know are dropped silently, so srt
// would ignore them. They are reported separately as `unknownKeys` (a typo such as
// "strictAllowList" would otherwise pass unnoticed).
import { readFileSync } from 'node:fs';
import { SandboxRuntimeConfigSchema } from '@anthropic-ai/sandbox-runtime';

function unknownKeys(input, output, path, out) {
  if (Array.isArray(input) && Array.isArray(output)) {
    input.forEach((v, i) => unknownKeys(v, output[i], [...path, i], out));
  } else if (input && output && typeof input === 'object' && typeof output === 'object') {
    for (const key of Object.keys(input)) {
      if (!Object.prototype.hasOwnProperty.call(output, key)) out.push([...path, key]);
      else unknownKeys(input[key], output[key], [...path, key], out);
    }
  }
  return out;
}

function check(file) {
  let text;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf-8');
  } catch (error) {
    return { file, ok: false, issues: [{ path: [], code: 'unreadable', message: String(error) }], unknownKeys: [] };
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { file, ok: false, issues: [{ path: [], code: 'invalid_json', message: error.message }], unknownKeys: [] };
  }
  const result = SandboxRuntimeConfigSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map(i => ({ path: i.path, code: i.code, message: i.message }));
    return { file, ok: false, issues, unknownKeys: [] };
  }
  const extra = unknownKeys(parsed, result.data, [], []);
  return { file, ok: extra.length === 0, issues: [], unknownKeys: extra };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node validate-sandbox.mjs FILE [FILE...]\n');
  process.exit(2);
}
const results = files.map(check);
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(results.every(r => r.ok) ? 0 : 1);
