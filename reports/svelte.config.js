// Merged by Evidence into its own SvelteKit configuration (a documented Evidence option).
// The region pages are found by crawling the links of "Kommuner og regioner"; a publication
// without regions (an empty labels table) has none, and SvelteKit would then fail the build on
// an unvisited route. One region page is therefore always an entry: the nationwide one.
export default {
	kit: {
		prerender: {
			entries: ['*', '/regioner/landsdaekkende']
		}
	}
};
