// Print the built report to one A4 PDF with headless Chromium (scripts/chromium.mjs): open every
// page, take its rendered article (charts and maps are SVG), and print them after a cover, each
// page on a new sheet, with "side x af y" at the foot of every sheet.
// Usage: node scripts/print-pdf.mjs <base-url> <out.pdf> <publication date> -- <path>...
import { launchChromium, rendered } from './chromium.mjs';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const [base, out, published] = args.slice(0, split);
const paths = args.slice(split + 1);
const escape = (text) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const browser = await launchChromium();
try {
	// About the width of A4 between the margins, so charts are drawn at the size they print.
	const page = await browser.newPage({ viewport: { width: 700, height: 1200 }, locale: 'da-DK' });
	const sections = [];
	const styles = new Set();
	for (const path of paths) {
		const response = await page.goto(base + path, { waitUntil: 'networkidle', timeout: 60000 });
		if (!response || response.status() !== 200) throw new Error(`${path}: HTTP ${response?.status()}`);
		if (!(await rendered(page))) throw new Error(`${path}: still loading after 60 s`);
		const taken = await page.evaluate(() => {
			const article = document.querySelector('#evidence-main-article').cloneNode(true);
			// What only works on screen: buttons, download links, the breadcrumbs and the footer.
			article.querySelectorAll('button, nav, footer, [class*="print:hidden"], .chart-footer').forEach((n) => n.remove());
			return {
				title: document.title,
				html: article.innerHTML,
				styles: [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => `<link rel="stylesheet" href="${l.href}">`)
					.concat([...document.querySelectorAll('style')].map((s) => `<style>${s.textContent}</style>`))
			};
		});
		taken.styles.forEach((s) => styles.add(s));
		sections.push(taken);
		console.log(`${path}: ${taken.title}`);
	}
	const contents = sections.map((s) => `<li>${escape(s.title)}</li>`).join('');
	const html = `<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Social innovation under COVID-19</title>
${[...styles].join('\n')}
<style>
	body { margin: 0; }
	section.page { break-before: page; }
	section.cover { height: 240mm; display: flex; flex-direction: column; justify-content: center; }
	section.cover h1 { font-size: 30pt; font-weight: 700; margin: 0 0 6mm; }
	section.cover p { font-size: 13pt; margin: 0 0 3mm; }
	section.cover ol { margin-top: 12mm; font-size: 11pt; list-style: decimal; padding-left: 6mm; }
	svg { max-width: 100%; }
	.scrollbox { overflow: visible !important; }
	table { break-inside: auto; } tr { break-inside: avoid; }
	figure, .chart-container { break-inside: avoid; }
</style></head><body>
<section class="cover">
	<h1>Social innovation under COVID-19</h1>
	<p>Sådan fornyede foreninger og kommunale tilbud sig under nedlukningen</p>
	<p>Publiceret ${escape(published)}</p>
	<ol>${contents}</ol>
</section>
${sections.map((s) => `<section class="page markdown">${s.html}</section>`).join('\n')}
</body></html>`;
	await page.setContent(html, { waitUntil: 'networkidle', timeout: 60000 });
	await page.pdf({
		path: out,
		format: 'A4',
		printBackground: true,
		displayHeaderFooter: true,
		headerTemplate: '<span></span>',
		footerTemplate: '<div style="font-size:8pt;width:100%;text-align:center;color:#555">'
			+ 'Social innovation under COVID-19 · side <span class="pageNumber"></span> af <span class="totalPages"></span></div>',
		margin: { top: '16mm', bottom: '18mm', left: '14mm', right: '14mm' }
	});
} finally {
	await browser.close();
}
