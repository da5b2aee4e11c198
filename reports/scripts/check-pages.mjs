// Open report pages in headless Chromium (scripts/chromium.mjs)
// and print, as JSON, per page: the console errors and page errors, the visible text, the
// headline values by metric, the region links, the links styled as plain text, the requests that
// left 127.0.0.1, the document's language and title, and, at a desktop (1280 px) and a phone
// (390 px) width, how far the page scrolls sideways and which elements stick out of it. A
// screenshot of every page at both widths goes into <screenshot-dir> as <page>-<width>.png.
// Usage: node scripts/check-pages.mjs <base-url> <out.json> <screenshot-dir> -- <path>...
// The assertions live in the Python tests; this only observes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { launchChromium, rendered } from './chromium.mjs';

const WIDTHS = [1280, 390];
const args = process.argv.slice(2);
const split = args.indexOf('--');
const [base, out, screenshots] = args.slice(0, split);
const paths = args.slice(split + 1);
mkdirSync(screenshots, { recursive: true });

const browser = await launchChromium();

async function open(path, width, result) {
	const page = await browser.newPage({ acceptDownloads: true, viewport: { width, height: width > 500 ? 1600 : 844 }, locale: 'da-DK' });
	page.on('console', (message) => {
		if (message.type() === 'error') result.errors.push(`console (${width} px): ${message.text()}`);
	});
	page.on('pageerror', (error) => result.errors.push(`pageerror (${width} px): ${error.message}`));
	page.on('request', (request) => {
		const url = new URL(request.url());
		if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol.startsWith('http')) {
			result.external.push(request.url());
		}
	});
	const response = await page.goto(base + path, { waitUntil: 'networkidle', timeout: 60000 });
	if (!(await rendered(page))) result.errors.push(`timeout (${width} px): page still loading after 60 s`);
	// Sideways overflow of the page itself, and the visible elements that cause it: those whose
	// right edge passes the viewport without a scrolling (or clipping) box around them.
	result.widths[width] = await page.evaluate(() => {
		const view = document.documentElement.clientWidth;
		const main = document.querySelector('main');
		const mainRight = main ? main.getBoundingClientRect().right : view;
		// Inside a box that scrolls sideways, an element may pass the page's edge: the box scrolls
		// (the box itself is measured as an element of its own).
		const scrolls = (node) => {
			for (let p = node.parentElement; p && p !== document.body; p = p.parentElement) {
				const o = getComputedStyle(p).overflowX;
				if (o === 'auto' || o === 'scroll') return true;
			}
			return false;
		};
		const outside = [];
		for (const node of document.body.querySelectorAll('*')) {
			const box = node.getBoundingClientRect();
			const limit = main && main.contains(node) ? Math.min(view, mainRight) : view;
			if (box.width === 0 || box.right <= limit + 1 || getComputedStyle(node).visibility === 'hidden') continue;
			if (scrolls(node)) continue;
			outside.push(`${node.tagName.toLowerCase()}.${[...node.classList].slice(0, 3).join('.')} ` +
				`right=${Math.round(box.right)} "${(node.textContent || '').trim().slice(0, 40)}"`);
		}
		const downloads = [...document.querySelectorAll('button[aria-label="Hent som CSV"]')]
			.filter((b) => b.getBoundingClientRect().width > 0).length;
		return { overflow: document.documentElement.scrollWidth - view, outside: outside.slice(0, 8), downloads };
	});
	const name = path.replace(/^\/|\/$/g, '').replace(/\//g, '_') || 'forside';
	await page.screenshot({ path: `${screenshots}/${name}-${width}.png`, fullPage: true });
	if (width === WIDTHS[0]) {
		result.status = response ? response.status() : null;
		result.lang = await page.evaluate(() => document.documentElement.lang);
		result.title = await page.title();
		result.text = await page.innerText('body');
		result.headline = await page.$$eval('[data-metric]', (nodes) => Object.fromEntries(nodes.map((n) => [
			n.getAttribute('data-metric'),
			{
				value: n.querySelector('[data-testid="headline-value"]')?.textContent.trim(),
				interval: n.querySelector('[data-testid="headline-interval"]')?.textContent.trim()
			}
		])));
		result.regions = await page.$$eval('a[data-region]', (nodes) => nodes.map((n) => n.getAttribute('href')));
		// Links in the page's text that a reader cannot tell from the text around them: the colour
		// of their paragraph and no underline (a raw <a> gets neither from the page's styles).
		result.plainLinks = await page.$$eval('#evidence-main-article p a[href]', (nodes) => nodes
			.filter((a) => {
				const own = getComputedStyle(a), around = getComputedStyle(a.parentElement);
				return own.color === around.color && !own.textDecorationLine.includes('underline');
			})
			.map((a) => `${a.getAttribute('href')} "${a.textContent.trim().slice(0, 40)}"`));
		result.downloads = await page.$$eval('button[aria-label="Hent som CSV"]', (nodes) => nodes.length);
		result.tables = await page.$$eval('[data-table]', (nodes) => nodes.map((n) => n.getAttribute('data-table')));
		// Share charts: their series colours, bars, interval whiskers, and the labels that leave the chart.
		result.charts = await page.$$eval('figure[data-chart="share"]', (figures) => figures.map((f) => {
			const svg = f.querySelector('svg');
			const box = svg?.getBoundingClientRect();
			const cut = svg ? [...svg.querySelectorAll('text')].filter((t) => {
				const b = t.getBoundingClientRect();
				return b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1);
			}).map((t) => t.textContent) : [];
			return {
				title: f.querySelector('figcaption')?.textContent.trim(),
				colours: JSON.parse(f.getAttribute('data-colours') || '{}'),
				bars: Number(f.getAttribute('data-bars')),
				whiskers: svg ? svg.querySelectorAll('path[stroke="#1b1b1b"]').length : 0,
				cut
			};
		}));
		// Panel charts (kept, lost, gained): their bars, the coloured segments drawn and the labels that leave the chart.
		result.panelCharts = await page.$$eval('figure[data-chart="panel"]', (figures) => figures.map((f) => {
			const svg = f.querySelector('svg');
			const box = svg?.getBoundingClientRect();
			const fills = svg ? [...svg.querySelectorAll('path')].map((p) => p.getAttribute('fill')) : [];
			return {
				title: f.querySelector('figcaption')?.textContent.trim(),
				bars: Number(f.getAttribute('data-bars')),
				segments: { kept: fills.filter((c) => c === '#1f5fa6').length, lost: fills.filter((c) => c === '#d9730d').length,
					gained: fills.filter((c) => c === '#7fa7d4').length },
				cut: svg ? [...svg.querySelectorAll('text')].filter((t) => {
					const b = t.getBoundingClientRect();
					return b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1);
				}).map((t) => t.textContent) : [],
				text: f.innerText
			};
		}));
		result.maps = await page.$$eval('figure[data-map]', (figures) => figures.map((f) => ({
			level: f.getAttribute('data-map'),
			title: f.querySelector('figcaption')?.textContent.trim(),
			shown: Number(f.getAttribute('data-areas-shown')),
			areas: f.querySelectorAll('svg path').length,
			text: f.innerText
		})));
		// "Data og download": fetch the first table's CSV as a user would, by its button.
		const button = await page.$('[data-table] button[aria-label="Hent som CSV"]');
		if (button) {
			const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
			const file = await download.path();
			result.download = { table: await button.evaluate((b) => b.closest('[data-table]').getAttribute('data-table')),
				name: download.suggestedFilename(), csv: readFileSync(file, 'utf-8') };
		}
	}
	await page.close();
}

const results = [];
try {
	for (const path of paths) {
		const result = { path, errors: [], external: [], widths: {} };
		for (const width of WIDTHS) await open(path, width, result);
		results.push(result);
	}
} finally {
	await browser.close();
}
writeFileSync(out, JSON.stringify(results, null, 1));
