import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { AppError } from '../domain/errors.js';
import { assertJsonValue } from '../domain/tenant-config.js';

/**
 * Reads `changegate.yaml` for `changegate config apply -f`. Files it references (`file:` under
 * evidenceChecks and complianceProfile) are read relative to the YAML file and inlined, so the system of
 * record receives one self-contained JSON document; validating it is parseTenantConfig's job.
 */
export interface ConfigFile {
  document: unknown;
  /** The YAML text as given, kept with the applied version. */
  source: string;
}

export async function readConfigFile(path: string): Promise<ConfigFile> {
  const source = await readText(path, path, { field: 'file' });
  const document = parseYaml(path, source);
  if (document === null || document === undefined) {
    throw new AppError(
      'invalid_input',
      `${path}: the file is empty; see docs/configuration-file.md for what it holds`,
      { field: 'file', file: path },
    );
  }
  try {
    assertJsonValue('$', document);
  } catch (error) {
    throw inFile(path, error);
  }
  if (isPlainObject(document)) {
    await inlineEvidenceChecks(path, document);
    await inlineComplianceProfile(path, document);
  }
  return { document, source };
}

async function inlineEvidenceChecks(path: string, document: Record<string, unknown>): Promise<void> {
  const value = document.evidenceChecks;
  if (!isPlainObject(value) || !('file' in value)) return;
  const others = Object.keys(value).filter((k) => k !== 'file');
  if (others.length > 0) {
    throw new AppError(
      'invalid_input',
      `${path}: evidenceChecks: give either \`file:\` or the checks inline, not both (also found: ${others.join(', ')})`,
      { field: `evidenceChecks.${others[0]}`, file: path },
    );
  }
  document.evidenceChecks = await readJsonReference(path, 'evidenceChecks.file', value.file);
}

async function inlineComplianceProfile(path: string, document: Record<string, unknown>): Promise<void> {
  const value = document.complianceProfile;
  if (!isPlainObject(value) || !('file' in value)) return;
  if ('document' in value) {
    throw new AppError(
      'invalid_input',
      `${path}: complianceProfile: give either \`file:\` or \`document:\`, not both`,
      { field: 'complianceProfile.document', file: path },
    );
  }
  const { file, ...rest } = value;
  document.complianceProfile = {
    ...rest,
    document: await readJsonReference(path, 'complianceProfile.file', file),
  };
}

async function readJsonReference(configPath: string, field: string, reference: unknown): Promise<unknown> {
  if (typeof reference !== 'string' || reference.trim() === '') {
    throw new AppError(
      'invalid_input',
      `${configPath}: ${field}: must be the path of a JSON file, relative to ${configPath}`,
      { field, file: configPath },
    );
  }
  // Shown relative to the working directory, so the user can open exactly what was read.
  const shown = isAbsolute(reference) ? reference : join(dirname(configPath), reference);
  const text = (await readText(shown, `${shown} (${field} in ${configPath})`, { field })).replace(
    /^\uFEFF/,
    '',
  );
  try {
    return JSON.parse(text);
  } catch (error) {
    const offset = jsonErrorOffset(text);
    if (offset === null) {
      throw new AppError('invalid_input', `${shown}: invalid JSON (${field}): ${(error as Error).message}`, {
        field,
        file: shown,
      });
    }
    const { line, column } = lineAndColumn(text, offset);
    const found = offset >= text.length ? 'end of file' : JSON.stringify(text[offset]);
    throw new AppError(
      'invalid_input',
      `${shown}:${line}:${column}: invalid JSON (${field}): unexpected ${found}`,
      { field, file: shown, line, column },
    );
  }
}

/**
 * Where the first syntax error of a text JSON.parse refused is: V8's messages do not always say
 * ("Unexpected token ',', …"), and a user fixing a file needs the line. Null if none is found.
 */
function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const space = () => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const expect = (ok: boolean) => {
    if (!ok) throw new SyntaxError(String(i));
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      expect(c !== undefined && c >= ' ');
      if (c === '"') {
        i++;
        return;
      }
      if (c !== '\\') i++;
      else if ('"\\/bfnrt'.includes(text[i + 1] ?? 'x')) i += 2;
      else if (text[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else expect(false);
    }
  };
  const value = (): void => {
    space();
    const open = text[i];
    if (open === '"') {
      string();
      return;
    }
    if (open !== '{' && open !== '[') {
      literal.lastIndex = i;
      expect(literal.exec(text) !== null);
      i = literal.lastIndex;
      return;
    }
    const close = open === '{' ? '}' : ']';
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (open === '{') {
        space();
        expect(text[i] === '"');
        string();
        space();
        expect(text[i] === ':');
        i++;
      }
      value();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(text[i] === ',');
      i++;
    }
  };
  try {
    value();
    space();
    return i < text.length ? i : null;
  } catch (error) {
    // A SyntaxError carries the offset; a RangeError (nesting deeper than the stack) has no position.
    return error instanceof SyntaxError ? Number(error.message) : null;
  }
}

function parseYaml(path: string, source: string): unknown {
  const lineCounter = new LineCounter();
  // logLevel 'error': warnings are reported below as errors, not printed by the library.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, logLevel: 'error' });
  // Warnings (an unknown !tag read as text, …) are refused too: policy must mean what it says.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const { line, col: column } = lineCounter.linePos(problem.pos[0]);
    const text = source.split(/\r?\n/)[line - 1]?.trim();
    throw new AppError(
      'invalid_input',
      `${path}:${line}:${column}: invalid YAML: ${problem.message}${text ? ` (at: ${text.slice(0, 80)})` : ''}`,
      { field: 'file', file: path, line, column },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Unresolved or excessive aliases surface only when the document is built.
    throw new AppError('invalid_input', `${path}: invalid YAML: ${(error as Error).message}`, {
      field: 'file',
      file: path,
    });
  }
}

async function readText(path: string, shown: string, details: { field: string }): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new AppError('invalid_input', `cannot read ${shown}: ${reason}`, { ...details, file: path });
  }
}

function inFile(path: string, error: unknown): unknown {
  if (!(error instanceof AppError)) return error;
  return new AppError(error.code, `${path}: ${error.message}`, { ...error.details, file: path });
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
