import { Worker } from 'node:worker_threads';
for (const variant of ['tsx/esm', 'eval']) {
  let w: Worker;
  if (variant === 'eval') {
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./entry.ts', import.meta.url).href;
    w = new Worker(`import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`, { eval: true });
  } else {
    w = new Worker(new URL('./entry.ts', import.meta.url), { execArgv: ['--import', variant] });
  }
  w.on('message', (m) => { console.log(variant, 'msg', m); void w.terminate(); });
  w.on('error', (e) => console.log(variant, 'err', String(e)));
}
