// Make Evidence work with no network: DuckDB-Wasm fetches its parquet extension from
// extensions.duckdb.org on first use of read_parquet/COPY ... (FORMAT parquet), which hangs
// `npm run sources`, `npm run build` and the built pages offline. @evidence-dev/universal-sql
// has no option for this, so this postinstall step rewrites its three parquet call sites to
// read and write parquet with parquet-wasm (already its dependency) and hand DuckDB-Wasm Arrow
// tables. It is hand-written because no published package does this; it fails loudly when an
// anchor no longer matches (a new Evidence version must be checked), and is idempotent.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = '/* siw-offline-parquet */';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', 'node_modules', '@evidence-dev', 'universal-sql');

// A published table may rightly be empty (no cases, a generic survey). Evidence then writes its
// schema but no parquet file (and parquet-wasm cannot read a file without rows), yet lists it, so
// pages would fail on the missing file: the loaders create such a table empty, with its columns.
const EMPTY_TABLE = `const _duckTypes = { number: 'DOUBLE', boolean: 'BOOLEAN', date: 'TIMESTAMP', string: 'VARCHAR' };
function _schemaPath(parquetPath) {
	return parquetPath.replace(/\\.parquet$/, '.schema.json');
}
function _emptyTableSql(source, table, columns) {
	const list = columns.map((c) => \`"\${c.name.replaceAll('"', '""')}" \${_duckTypes[c.evidenceType] ?? 'VARCHAR'}\`);
	return \`CREATE TABLE "\${source}"."\${table}" (\${list.join(', ')});\`;
}`;

const patches = {
	'src/build-parquet.js': [
		[
			"import { emptyDbFs, initDB, query } from './client-duckdb/node.js';",
			`import { emptyDbFs } from './client-duckdb/node.js';
import { readParquet } from 'parquet-wasm/node/arrow1.js';
import { tableFromIPC, Table as ArrowTable } from 'apache-arrow';
${MARK}
async function mergeParquetOffline(files, output) {
	const batches = [];
	for (const file of files) {
		batches.push(...tableFromIPC(readParquet(await fs.readFile(file)).intoIPCStream()).batches);
	}
	const merged = tableToIPC(new ArrowTable(batches), 'stream');
	const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
	await fs.writeFile(output, writeParquet(Table.fromIPCStream(merged), properties));
}`
		],
		[
			`	await initDB();

	const outputFilepath = path.join(outDir, outputFilename);`,
			`	const outputFilepath = path.join(outDir, outputFilename);`
		],
		[
			`	await query(copy);`,
			`	void copy;
	await mergeParquetOffline(tmpFilenames, outputFilepath);`
		],
		[
			`	await emptyDbFs('*');

	fn_done();`,
			`	void emptyDbFs;
	fn_done();`
		]
	],
	'src/client-duckdb/node.js': [
		[
			"export { tableFromIPC } from 'apache-arrow';",
			`export { tableFromIPC } from 'apache-arrow';
import { readFileSync as ${'_'}readFileSync, existsSync as ${'_'}existsSync } from 'fs';
import { readParquet as ${'_'}readParquet } from 'parquet-wasm/node/arrow1.js';
${MARK}
${EMPTY_TABLE}`
		],
		[
			`			db.registerFileURL(
				file_name,
				url.split(pathDelimiterRegex).join(path.sep),
				DuckDBDataProtocol.NODE_FS,
				false
			);
			connection.query(
				\`CREATE OR REPLACE VIEW "\${source}"."\${table}" AS (SELECT * FROM read_parquet('\${file_name}'));\`
			);`,
			`			void file_name;
			const local = url.split(pathDelimiterRegex).join(path.sep);
			connection.query(\`DROP VIEW IF EXISTS "\${source}"."\${table}";\`);
			connection.query(\`DROP TABLE IF EXISTS "\${source}"."\${table}";\`);
			if (!_existsSync(local)) {
				// a table without rows: Evidence lists it and writes only its schema
				connection.query(_emptyTableSql(source, table, JSON.parse(_readFileSync(_schemaPath(local), 'utf8'))));
				continue;
			}
			// Arrow IPC straight from parquet-wasm: insertArrowTable would re-encode with DuckDB-Wasm's own
			// apache-arrow copy, which silently inserts nothing for tables of another copy.
			const ipc = _readParquet(_readFileSync(local)).intoIPCStream();
			connection.insertArrowFromIPCStream(ipc, { schema: source, name: table, create: true });`
		]
	],
	'src/client-duckdb/browser.js': [
		[
			"export { tableFromIPC } from 'apache-arrow';",
			`export { tableFromIPC } from 'apache-arrow';
import initParquetWasm, { readParquet as _readParquet } from 'parquet-wasm/esm/arrow1.js';
import parquetWasmUrl from 'parquet-wasm/esm/arrow1_bg.wasm?url';
${MARK}
${EMPTY_TABLE}
let parquetReady;`
		],
		[
			`				await db.registerFileURL(file_name, addBasePath(path), DuckDBDataProtocol.HTTP, false);
				await connection.query(
					\`CREATE OR REPLACE VIEW "\${source}"."\${table}" AS (SELECT * FROM read_parquet('\${file_name}'));\`
				);`,
			`				parquetReady ??= initParquetWasm(parquetWasmUrl);
				await parquetReady;
				await connection.query(\`DROP VIEW IF EXISTS "\${source}"."\${table}";\`);
				await connection.query(\`DROP TABLE IF EXISTS "\${source}"."\${table}";\`);
				// A built site serves every parquet file under a content-hash folder; a table listed
				// without one had no file to hash: it has no rows (no request, so no 404 in the console).
				const empty = !import.meta.env.DEV && path.split('/').at(-2) === table;
				const response = empty ? null : await fetch(addBasePath(path));
				if (empty || response.status === 404) {
					// a table without rows: Evidence lists it and writes only its schema
					const schema = await fetch(addBasePath(_schemaPath(path)));
					if (!schema.ok) throw new Error(\`\${path}: HTTP 404 and no schema\`);
					await connection.query(_emptyTableSql(source, table, await schema.json()));
					continue;
				}
				if (!response.ok) throw new Error(\`\${path}: HTTP \${response.status}\`);
				const bytes = new Uint8Array(await response.arrayBuffer());
				const ipc = _readParquet(bytes).intoIPCStream();
				await connection.insertArrowFromIPCStream(ipc, { schema: source, name: table, create: true });`
		]
	]
};

let failed = false;
for (const [file, edits] of Object.entries(patches)) {
	const target = path.join(root, file);
	// Always patch the pristine file (kept beside it), so a changed patch applies on reinstall.
	const pristine = `${target}.siw-orig`;
	if (!existsSync(pristine)) writeFileSync(pristine, readFileSync(target, 'utf8'));
	let text = readFileSync(pristine, 'utf8');
	if (text.includes(MARK)) {
		console.error(`offline-parquet: ${pristine} is not the pristine file`);
		process.exit(1);
	}
	for (const [anchor, replacement] of edits) {
		const count = text.split(anchor).length - 1;
		if (count !== 1) {
			console.error(`offline-parquet: anchor found ${count} times in ${target}:\n${anchor}`);
			failed = true;
			continue;
		}
		text = text.replace(anchor, () => replacement);
	}
	if (!failed) {
		writeFileSync(target, text);
		console.log(`offline-parquet: patched ${file}`);
	}
}
if (failed) {
	console.error('offline-parquet: @evidence-dev/universal-sql changed; the offline patch must be reviewed.');
	process.exit(1);
}
