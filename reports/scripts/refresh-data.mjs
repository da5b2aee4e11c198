// Data-only report refresh: re-render the pages of the last full build with new data, without
// rebuilding the app. `evidence build` bundles the server and the client with Vite (about 50 s and
// 3 GB on the sample) and then prerenders every page; the bundles depend on the pages and the
// packages, not on the data (two builds on different data differ only in SvelteKit's build
// timestamp). So when only the data changed, this extracts the sources (`evidence sources`) and
// runs just the last stages of that build, with SvelteKit's own functions: prerender every page
// against the new parquet (with the route analysis recorded after the full build), run the adapter
// (adapter-static writes `build/`), then Evidence's own last step (parquet files moved into
// folders named by their md5, as `evidence build` does).
// Hand-written because neither SvelteKit nor Evidence offers a prerender-only build. It uses
// SvelteKit internals, so it fails loudly when they move, and `tests/test_report.py`
// (test_a_data_only_build_equals_a_full_build) checks that its site equals a full build's.
//
// Usage (from anywhere, with the environment of a build): `node refresh-data.mjs --record` after
// a full build (records the server build's route analysis and the extracted tables' schemas),
// then `node refresh-data.mjs` for each data change. Exit 0: `build/` holds the new site; exit 3:
// the tables' schemas differ from the full build's (a new column), so a full build is needed; any
// other exit: failed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as devalue from 'devalue';

const reports = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const template = path.join(reports, '.evidence', 'template');
const kitSource = path.join(reports, 'node_modules', '@sveltejs', 'kit', 'src');
const SCHEMAS_CHANGED = 3;

const internal = (file) => {
	const full = path.join(kitSource, file);
	if (!existsSync(full)) throw new Error(`SvelteKit internal ${full} is gone (a new SvelteKit?)`);
	return import(pathToFileURL(full).href);
};

/** Run a command to completion; reject with its exit code. */
const run = (args, cwd, env) =>
	new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { cwd, env, stdio: 'inherit' });
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
	});

/** sha256 over the extracted tables' schema files: a new column needs a full build. */
const schemasDigest = (dataDir) => {
	const hash = createHash('sha256');
	const walk = (dir) => {
		for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else if (entry.name.endsWith('.schema.json')) hash.update(path.relative(dataDir, full)).update(readFileSync(full));
		}
	};
	walk(dataDir);
	return hash.digest('hex');
};

const callerEnv = { ...process.env }; // `evidence sources` resolves its folders from these
process.chdir(template);
// What `evidence build:strict` sets for its Vite child: a failing page query fails the build.
Object.assign(process.env, {
	EVIDENCE_STRICT_MODE: 'true',
	EVIDENCE_IS_BUILDING: 'true',
	EVIDENCE_DATA_URL_PREFIX: process.env.EVIDENCE_DATA_URL_PREFIX ?? 'static/data',
	EVIDENCE_DATA_DIR: process.env.EVIDENCE_DATA_DIR ?? './static/data',
	NODE_ENV: 'production'
});
const dataDir = process.env.EVIDENCE_DATA_DIR;
const out = '.svelte-kit/output'; // SvelteKit's outDir (checked below), where the full build left the app
const manifestPath = `${out}/server/manifest-full.js`;
const schemasPath = `${out}/siw-schemas.sha256`;
const metadataPath = `${out}/siw-server-metadata.devalue`;
const record = process.argv[2] === '--record';

let extracted = Promise.resolve();
if (!record) {
	for (const needed of [manifestPath, schemasPath, metadataPath, `${out}/client`]) {
		if (!existsSync(needed)) throw new Error(`${path.resolve(needed)} is missing: a full build is needed`);
	}
	// The extraction starts first and runs beside the rest of the start-up.
	rmSync(dataDir, { recursive: true, force: true });
	const evidenceCli = path.join(reports, 'node_modules', '@evidence-dev', 'evidence', 'cli.js');
	extracted = run([evidenceCli, 'sources'], reports, callerEnv);
}

const { load_config } = await internal('core/config/index.js');
const { default: createManifestData } = await internal('core/sync/create_manifest_data/index.js');
const { get_env } = await internal('exports/vite/utils.js');

const config = await load_config();
const { kit } = config;
if (path.resolve(kit.outDir, 'output') !== path.resolve(out)) throw new Error(`SvelteKit's outDir is ${kit.outDir}, not .svelte-kit`);
const serverManifestPath = `${out}/server/.vite/manifest.json`;
const env = get_env(kit.env, 'production');
const flatEnv = { ...env.private, ...env.public };
const manifestData = createManifestData({ config });
const serverManifest = JSON.parse(readFileSync(serverManifestPath, 'utf-8'));

if (record) {
	// After a full build, in a process of its own (SvelteKit's analysis worker keeps the whole
	// server build in memory): the server build's route analysis, and the schemas of the tables.
	const { default: analyse } = await internal('core/postbuild/analyse.js');
	const metadata = await analyse({
		manifest_path: manifestPath,
		manifest_data: manifestData,
		server_manifest: serverManifest,
		tracked_features: {},
		env: flatEnv
	});
	writeFileSync(metadataPath, devalue.stringify(metadata));
	writeFileSync(schemasPath, schemasDigest(dataDir));
	process.exit(0);
}

await extracted;
if (schemasDigest(dataDir) !== readFileSync(schemasPath, 'utf-8')) {
	console.log('The tables\' schemas changed since the full build: a full build is needed');
	process.exit(SCHEMAS_CHANGED);
}
const metadata = devalue.parse(readFileSync(metadataPath, 'utf-8'));

// As `evidence build` does first: no query results of an earlier build are kept.
rmSync('.evidence-queries/cache', { recursive: true, force: true });
// The client output holds the static folder as it was at the full build: give it the new data.
const clientData = `${out}/client/${path.relative('static', dataDir)}`;
rmSync(clientData, { recursive: true, force: true });
cpSync(dataDir, clientData, { recursive: true });
rmSync(`${out}/prerendered`, { recursive: true, force: true });

const { default: prerender } = await internal('core/postbuild/prerender.js');
const { adapt } = await internal('core/adapt/index.js');
const { logger } = await internal('core/utils.js');
const { prerendered, prerender_map: prerenderMap } = await prerender({
	out,
	manifest_path: manifestPath,
	metadata,
	verbose: false,
	env: flatEnv
});
const buildData = {
	app_dir: kit.appDir,
	app_path: `${kit.paths.base.slice(1)}${kit.paths.base ? '/' : ''}${kit.appDir}`,
	manifest_data: manifestData,
	out_dir: out,
	service_worker: null,
	client: null,
	server_manifest: serverManifest
};
await adapt(config, buildData, metadata, prerendered, prerenderMap, logger({ verbose: false }), {
	mode: 'production'
});

// Evidence's step after Vite (cli.js, buildHelper): each listed parquet file moves into a folder
// named by its md5 and the manifest points there, so browsers never cache stale data.
const outDir = 'build';
const buildDataDir = path.join(outDir, path.relative('static', dataDir));
const manifestFile = path.join(buildDataDir, 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestFile, 'utf-8'));
for (const files of Object.values(manifest.renderedFiles)) {
	for (let i = 0; i < files.length; i++) {
		const diskParts = files[i].split('/').slice(-3).join('/');
		const filePath = path.posix.join(buildDataDir, diskParts);
		if (!existsSync(filePath)) continue;
		const hash = createHash('md5').update(readFileSync(filePath)).digest('hex');
		const newDiskPart = path.posix.join(path.dirname(diskParts), hash, path.basename(diskParts));
		const newFilePath = path.join(buildDataDir, newDiskPart);
		mkdirSync(path.dirname(newFilePath), { recursive: true });
		renameSync(filePath, newFilePath);
		files[i] = files[i].replace(diskParts, newDiskPart);
	}
}
writeFileSync(manifestFile, `${JSON.stringify(manifest)}\n`); // as fs-extra's writeJsonSync

rmSync(path.join(reports, 'build'), { recursive: true, force: true });
cpSync(outDir, path.join(reports, 'build'), { recursive: true });
console.log(`Data-only build complete --> ${path.join(reports, 'build')}`);
process.exit(0); // SvelteKit's prerender worker is only unref'd
