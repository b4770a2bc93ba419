import { parentPort } from 'node:worker_threads';
const x: number = 3;
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
parentPort?.postMessage({ x, backend: tf.getBackend() });
