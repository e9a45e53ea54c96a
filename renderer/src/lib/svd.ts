// Choices of the SVD view.

/** Order of the singular-vector images: by σ (descending or ascending) or by share of the data's energy. */
export type SvdSort = 'sigma' | 'sigma-asc' | 'alignment';
