import { pathToFileURL } from 'node:url';

/** Options every teaching script takes: `quick` shrinks it for the test suite. */
export interface ExampleOptions {
  quick?: boolean;
  print?: (line: string) => void;
}

/** Runs `main` when the file is executed directly (npm run example:N), not when a test imports it. */
export function runIfMain(
  moduleUrl: string,
  main: (options: ExampleOptions) => Promise<unknown> | unknown,
): void {
  const entry = process.argv[1];
  if (entry && moduleUrl === pathToFileURL(entry).href) {
    Promise.resolve(main({ quick: process.argv.includes('--quick') })).catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    });
  }
}
