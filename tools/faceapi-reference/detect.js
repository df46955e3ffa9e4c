// Runs face-api itself (tfjs, wasm backend) on raw RGB pixels and prints its faces as JSON:
// the reference the C++ engine is checked against. Usage: node detect.js MODEL_DIR PIXELS.rgb WIDTH HEIGHT
const fs = require('fs');
const { loadFaceApi } = require('./faceapi');

async function main() {
  const [modelDir, pixelsPath, width, height] = process.argv.slice(2);
  const { tf, faceapi } = await loadFaceApi(modelDir);
  const pixels = new Uint8Array(fs.readFileSync(pixelsPath));
  const image = tf.tensor3d(pixels, [Number(height), Number(width), 3], 'int32');
  const results = await faceapi
    .detectAllFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }))
    .withFaceLandmarks()
    .withFaceDescriptors();
  const faces = results.map((r) => ({
    score: r.detection.score,
    box: [r.detection.box.x, r.detection.box.y, r.detection.box.width, r.detection.box.height],
    landmarks: r.landmarks.positions.map((p) => [p.x, p.y]),
    descriptor: Array.from(r.descriptor),
  }));
  process.stdout.write(JSON.stringify({ backend: tf.getBackend(), faces }));
}

main().catch((e) => { console.error(e); process.exit(1); });
