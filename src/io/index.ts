export { writeFileAtomic } from './atomic.js';
export { exportOnnx, toOnnx } from './onnx.js';
export {
  type LoadedModel,
  type LoadOptions,
  loadModel,
  MODEL_FORMAT,
  MODEL_VERSION,
  type ModelFile,
  type SaveOptions,
  saveModel,
} from './save.js';
export { exportTfjs, type TfjsArtifacts, toTfjs } from './tfjs.js';
