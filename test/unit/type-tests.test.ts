/**
 * Runs the type tests of test/types/: compiles each file with its `@ts-expect-error` marks taken
 * out, and checks that every marked line fails to compile for the reason its mark names, and that
 * nothing else fails. (`npm run typecheck` only proves that each marked line fails somehow.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const REPO_ROOT = join(__dirname, '..', '..');
const TYPES_DIR = join(REPO_ROOT, 'test', 'types');
const MARK = /\/\/ @ts-expect-error (.+)$/;

interface Expectation {
  /** 0-based line the error must start on: the one after the mark. */
  readonly line: number;
  readonly reason: string;
}

function expectationsOf(source: string): Expectation[] {
  return source.split('\n').flatMap((text, index) => {
    const reason = MARK.exec(text)?.[1];
    return reason === undefined ? [] : [{ line: index + 1, reason: reason.trim() }];
  });
}

/** The file as the compiler sees it without its marks (same lines, so positions stay put). */
function unmarked(source: string): string {
  return source
    .split('\n')
    .map((text) => text.replace('// @ts-expect-error ', '// expected error: '))
    .join('\n');
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(REPO_ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT).options;
}

interface Failure {
  readonly line: number;
  readonly message: string;
}

function compileErrors(file: string, source: string): Failure[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, fresh) =>
    name === file ? ts.createSourceFile(name, source, language, true) : read(name, language, onError, fresh);
  const program = ts.createProgram([file], options, host);
  const sourceFile = program.getSourceFile(file) as ts.SourceFile;
  return ts.getPreEmitDiagnostics(program, sourceFile).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

const files = readdirSync(TYPES_DIR).filter((name) => name.endsWith('.ts'));

describe('Type tests (test/types)', () => {
  it('has type tests, each with marked lines', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      expect(expectationsOf(readFileSync(join(TYPES_DIR, name), 'utf8')).length).toBeGreaterThan(0);
    }
  });

  describe.each(files)('%s', (name) => {
    const file = join(TYPES_DIR, name).replaceAll('\\', '/');
    const source = readFileSync(file, 'utf8');
    const expectations = expectationsOf(source);
    let failures: Failure[] = [];

    beforeAll(() => {
      failures = compileErrors(file, unmarked(source));
    });

    it.each(expectations.map((e) => [e.line + 1, e.reason, e]))(
      'line %i fails to compile: %s',
      (_line, _reason, expectation) => {
        // Assess
        const here = failures.filter((f) => f.line === expectation.line).map((f) => f.message);
        expect(here).toEqual(expect.arrayContaining([expect.stringContaining(expectation.reason)]));
      },
    );

    it('compiles everywhere else', () => {
      const marked = new Set(expectations.map((e) => e.line));
      expect(failures.filter((f) => !marked.has(f.line))).toEqual([]);
    });
  });
});
