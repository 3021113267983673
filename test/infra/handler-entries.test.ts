/**
 * The topology and the handler modules hold each other: every function the stacks deploy (each
 * topology service, and the topic admin) has its handler module, and every handler module under
 * lambdas/ is a function the stacks deploy. Entries resolve the way ServiceFunction hands them to
 * NodejsFunction (entryPath); a handler module is one that exports what Lambda calls (HANDLER_EXPORT).
 * No synth: reading lib/ and parsing lambdas/ is enough.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { FUNCTION_ENTRIES } from '../../lib/bundling';
import { entryPath, HANDLER_EXPORT } from '../../lib/constructs/service-function';
import { SERVICE_SPECS, SERVICES } from '../../lib/topology';

const LAMBDAS_DIR = entryPath('lambdas');

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** Whether the module exports a value named `name` (export const/function/class, or export { x as name }). */
function exportsName(file: string, name: string): boolean {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.some((statement) => {
    if (ts.isVariableStatement(statement) && isExported(statement)) {
      return statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name);
    }
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && isExported(statement)) {
      return statement.name?.text === name;
    }
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      return statement.exportClause.elements.some((e) => e.name.text === name);
    }
    return false;
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Repository-relative, with forward slashes, as entries are written in lib/. */
function repoRelative(path: string): string {
  return relative(entryPath('.'), path).split(sep).join('/');
}

describe('handler entries', () => {
  test('every topology service is a function the stacks deploy', () => {
    const deployed = FUNCTION_ENTRIES.map((f) => f.name);
    expect(SERVICES.filter((s) => !deployed.includes(s))).toEqual([]);
  });

  test.each(FUNCTION_ENTRIES.map((f) => [f.name, f.entry]))('%s: %s exports the handler Lambda calls', (_, entry) => {
    const file = entryPath(entry);
    expect({ entry, exists: existsSync(file) }).toEqual({ entry, exists: true });
    expect({ entry, exportsHandler: exportsName(file, HANDLER_EXPORT) }).toEqual({ entry, exportsHandler: true });
  });

  test("a topology service's entry is a module of its own folder, lambdas/<service>/", () => {
    const elsewhere = SERVICES.filter((s) => !SERVICE_SPECS[s].entry.startsWith(`lambdas/${s}/`)).map(
      (s) => `${s}: ${SERVICE_SPECS[s].entry}`,
    );
    expect(elsewhere).toEqual([]);
  });

  test('every handler module under lambdas/ is the entry of a function the stacks deploy', () => {
    const entries = new Set(FUNCTION_ENTRIES.map((f) => f.entry));
    const orphans = sourceFiles(LAMBDAS_DIR)
      .filter((file) => exportsName(file, HANDLER_EXPORT))
      .map(repoRelative)
      .filter((entry) => !entries.has(entry))
      .map(
        (entry) =>
          `${entry} exports \`${HANDLER_EXPORT}\` but no function deploys it: add its service to SERVICES and ` +
          'SERVICE_SPECS in lib/topology.ts with this entry (README, "Extending it"), or rename the export',
      );
    expect(orphans).toEqual([]);
  });
});
