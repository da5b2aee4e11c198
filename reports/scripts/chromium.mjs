// Headless Chromium for the report's scripts: Debian's /usr/bin/chromium (or $CHROMIUM) through
// playwright-core, with nothing that reaches the network, and the wait for a rendered page.
import { chromium } from 'playwright-core';

/** Launch the browser (offline: no QUIC, no background networking, updates or sync). */
export function launchChromium() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync']
	});
}

/** Wait until Evidence has hydrated and no DuckDB-Wasm query is pending; false after 60 s. */
export async function rendered(page) {
	const done = await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .animate-pulse'), null,
		{ timeout: 60000 }).then(() => true, () => false);
	await page.waitForTimeout(1000);
	return done;
}
