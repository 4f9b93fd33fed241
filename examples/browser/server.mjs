// The browser demo's static server (`npm run demo:browser`): serves the demo page, the built bundles in dist/, the
// names data in data/names/ and, for the Shakespeare tab, the char-lm's two browser-safe modules and tiny
// Shakespeare, from the repository, on localhost only. Every response carries the cross-origin
// isolation headers (COOP same-origin + COEP require-corp), so the page and its workers can share WebAssembly
// memory and the kernels run on two threads (torch.getNumThreads()).
//
//   node examples/browser/server.mjs [--port=8080]       then open the printed URL
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from '../lib/run.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The only folders served (URL prefixes = paths under the repository root). */
const SERVED = ['/examples/browser/', '/dist/', '/data/names/'];
/** Single files served besides those folders (the rest of examples/char-lm/ is Node-only). */
const SERVED_FILES = ['/examples/char-lm/model.mjs', '/examples/char-lm/data.mjs', '/data/tinyshakespeare/input.txt'];
const PAGE = '/examples/browser/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/** The file a URL path names, or null when it lies outside the served folders. */
function fileFor(urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path.endsWith('/')) path += 'index.html';
  const clean = normalize(path).split(sep).join('/');
  if (!SERVED_FILES.includes(clean) && !SERVED.some((prefix) => clean.startsWith(prefix))) return null;
  return join(ROOT, clean);
}

async function handle(request, response) {
  const { pathname } = new URL(request.url, 'http://localhost');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...ISOLATION, allow: 'GET, HEAD' }).end();
    return;
  }
  if (pathname === '/' || pathname === '/examples/browser') {
    response.writeHead(302, { ...ISOLATION, location: PAGE }).end();
    return;
  }
  const file = fileFor(pathname);
  let body = null;
  if (file !== null) body = await readFile(file).catch(() => null);
  if (body === null) {
    response.writeHead(404, { ...ISOLATION, 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}\n`);
    return;
  }
  response.writeHead(200, {
    ...ISOLATION,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * Starts the server on `host`:`port` (port 0 picks a free one). Resolves to { url, close() } where url is the
 * demo page's address.
 */
export function startServer({ port = 8080, host = '127.0.0.1' } = {}) {
  const server = createServer((request, response) => {
    handle(request, response).catch((err) => {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(String(err));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        url: `http://${host}:${address.port}${PAGE}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (isMain(import.meta.url)) {
  const portArg = process.argv.find((a) => a.startsWith('--port='));
  const port = portArg ? Number(portArg.slice('--port='.length)) : Number(process.env.PORT ?? 8080);
  const { readdir } = await import('node:fs/promises');
  const built = await readdir(join(ROOT, 'dist')).catch(() => []);
  if (!built.includes('browser.mjs')) {
    console.error('demo:browser: dist/browser.mjs is missing; build it first with `npm run build`');
    process.exit(1);
  }
  const { url } = await startServer({ port });
  console.log(`wasmtorch browser demo: ${url}  (Ctrl-C to stop)`);
}
