// Times face-api itself (tfjs, wasm backend) per net, for side-by-side comparison with beetroot.
// Usage: node bench.js MODEL_DIR REPEATS THREADS [PIXELS.rgb:WIDTH:HEIGHT ...]
// Prints JSON with milliseconds (median); photos given as raw RGB are timed through the whole
// pipeline (detection, landmarks, descriptors).
const fs = require('fs');
const { loadFaceApi } = require('./faceapi');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(repeats, fn) {
  await fn(); // warm-up
  const ms = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

async function main() {
  const [modelDir, repeatsArg, threadsArg, ...photos] = process.argv.slice(2);
  const repeats = Number(repeatsArg || 10);
  const threads = Number(threadsArg || 1);
  const { tf, faceapi } = await loadFaceApi(modelDir, threads);
  const ssdInput = tf.randomUniform([512, 512, 3], 0, 255, 'int32');
  const faceInput = tf.randomUniform([150, 150, 3], 0, 255, 'int32');
  const landmarkInput = tf.randomUniform([112, 112, 3], 0, 255, 'int32');
  const opts = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
  const result = {
    backend: tf.getBackend(),
    threads,
    ssd_ms: await time(repeats, () => faceapi.nets.ssdMobilenetv1.locateFaces(ssdInput, opts)),
    landmarks_ms: await time(repeats, () => faceapi.nets.faceLandmark68Net.detectLandmarks(landmarkInput)),
    recognition_ms: await time(repeats, () => faceapi.nets.faceRecognitionNet.computeFaceDescriptor(faceInput)),
  };
  result.photo_ms = [];
  for (const photo of photos) {
    const [file, width, height] = photo.split(':');
    const image = tf.tensor3d(new Uint8Array(fs.readFileSync(file)), [Number(height), Number(width), 3], 'int32');
    result.photo_ms.push(await time(Math.max(1, Math.floor(repeats / 3)),
      () => faceapi.detectAllFaces(image, opts).withFaceLandmarks().withFaceDescriptors()));
    image.dispose();
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
