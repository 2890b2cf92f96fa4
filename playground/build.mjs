// npm run playground: bundles playground/src/main.ts for the browser into playground/dist/.
// The guard: esbuild's platform 'browser' cannot resolve Node's built-in modules, and the plugin
// below also refuses any Node built-in (even one a polyfill package would satisfy) and any engine
// module that only Node may load (native addon, Vulkan, CLI, io, the data layer's readers).
import { copyFile, mkdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const nodeOnlyDirs = [
  'src/kernels/native/',
  'src/kernels/vulkan/',
  'src/cli/',
  'src/io/',
  'src/data/',
  'src/tabular/',
];

export const nodeGuard = {
  name: 'node-guard',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.replace(/^node:/, '').split('/')[0];
      if (
        builtins.has(args.path) ||
        (args.path.startsWith('node:') && builtins.has(bare)) ||
        builtins.has(bare)
      ) {
        const from = relative(root, args.importer);
        return {
          errors: [
            {
              text: `Node-only module '${args.path}' imported by ${from}: the browser bundle must not reach it`,
            },
          ],
        };
      }
      return undefined;
    });
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = relative(root, args.path).split(sep).join('/');
      const bad = nodeOnlyDirs.find((d) => rel.startsWith(d));
      if (bad)
        return { errors: [{ text: `${rel} is Node-only (${bad}) and must stay out of the browser bundle` }] };
      return undefined;
    });
  },
};

/** Builds entry (default the page) to outfile; returns esbuild's metafile. */
export async function buildPlayground({
  entry = join(here, 'src/main.ts'),
  outdir = join(here, 'dist'),
  minify = true,
} = {}) {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [nodeGuard],
  });
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));
  return result.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const meta = await buildPlayground();
    const bytes = Object.entries(meta.outputs).find(([f]) => f.endsWith('main.js'))[1].bytes;
    console.log(
      `playground: ${relative(process.cwd(), join(here, 'dist'))}/ (main.js ${(bytes / 1024).toFixed(0)} KiB); open index.html or serve the folder`,
    );
  } catch (err) {
    for (const e of err.errors ?? [err])
      console.error(
        `playground: ${e.text ?? e.message}${e.location ? ` (${e.location.file}:${e.location.line})` : ''}`,
      );
    process.exitCode = 1;
  }
}
