export async function runProfile(_o: { quick: boolean; outDir: string; log: (l: string) => void }) {}
