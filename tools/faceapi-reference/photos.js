// face-api itself (tfjs, wasm backend) filing photos the way a Node app would: detection,
// landmarks and descriptors of every face, one photo after another, from decoded pixels.
// Usage: node photos.js MODEL_DIR THREADS PIXELS.rgb:WIDTH:HEIGHT...
// Prints JSON: per photo the milliseconds and the face boxes [x, y, width, height] in pixels.
const fs = require('fs');
const { loadFaceApi } = require('./faceapi');

async function main() {
  const [modelDir, threadsArg, ...photos] = process.argv.slice(2);
  const { tf, faceapi } = await loadFaceApi(modelDir, Number(threadsArg || 1));
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 });
  const file = (photo) => {
    const [path, width, height] = photo.split(':');
    return tf.tensor3d(new Uint8Array(fs.readFileSync(path)), [Number(height), Number(width), 3], 'int32');
  };
  const warmup = file(photos[0]);
  await faceapi.detectAllFaces(warmup, options).withFaceLandmarks().withFaceDescriptors();
  warmup.dispose();
  const result = { backend: tf.getBackend(), threads: Number(threadsArg || 1), photos: [] };
  for (const photo of photos) {
    const image = file(photo);
    const t0 = process.hrtime.bigint();
    const faces = await faceapi.detectAllFaces(image, options).withFaceLandmarks().withFaceDescriptors();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    image.dispose();
    result.photos.push({ ms, boxes: faces.map((f) => [f.detection.box.x, f.detection.box.y, f.detection.box.width, f.detection.box.height]) });
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
