// Open report pages in headless Chromium (Debian's /usr/bin/chromium through playwright-core)
// and print, as JSON, per page: the console errors and page errors, the visible text, the
// headline values by metric, the region links, and the requests that left 127.0.0.1.
// Usage: node scripts/check-pages.mjs <base-url> <out.json> [screenshot.png] -- <path>...
// The assertions live in the Python tests; this only observes.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const [base, out, screenshot] = args.slice(0, split);
const paths = args.slice(split + 1);

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync']
});
const results = [];
try {
	for (const path of paths) {
		const page = await browser.newPage({ viewport: { width: 1280, height: 1600 }, locale: 'da-DK' });
		const errors = [];
		const external = [];
		page.on('console', (message) => {
			if (message.type() === 'error') errors.push(`console: ${message.text()}`);
		});
		page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
		page.on('request', (request) => {
			const url = new URL(request.url());
			if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol.startsWith('http')) {
				external.push(request.url());
			}
		});
		const response = await page.goto(base + path, { waitUntil: 'networkidle', timeout: 60000 });
		// Evidence hydrates and re-runs its queries in DuckDB-Wasm; wait until no query is pending.
		await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .animate-pulse'), null,
			{ timeout: 60000 }).catch(() => errors.push('timeout: page still loading after 60 s'));
		await page.waitForTimeout(1000);
		const headline = await page.$$eval('[data-metric]', (nodes) => Object.fromEntries(nodes.map((n) => [
			n.getAttribute('data-metric'),
			{
				value: n.querySelector('[data-testid="headline-value"]')?.textContent.trim(),
				interval: n.querySelector('[data-testid="headline-interval"]')?.textContent.trim()
			}
		])));
		const regions = await page.$$eval('a[data-region]', (nodes) => nodes.map((n) => n.getAttribute('href')));
		results.push({
			path,
			status: response ? response.status() : null,
			errors,
			external,
			text: await page.innerText('body'),
			headline,
			regions
		});
		if (screenshot && path === paths[0]) await page.screenshot({ path: screenshot, fullPage: true });
		await page.close();
	}
} finally {
	await browser.close();
}
writeFileSync(out, JSON.stringify(results, null, 1));
