// A camera every engine has: the test set's stills (front, back, empty, lookalike) drawn on a
// 1280×720 canvas, redrawn every 33 ms, handed out as canvas.captureStream(30) by
// navigator.mediaDevices.getUserMedia. Shared by the wasm camera tests (tests/common) and the
// demo's end-to-end tests in Firefox and WebKit. `load(name)` gives a still's PNG as a Blob.
// Returns the stage: `show(name)` switches the scene; calling this again re-installs the
// override and shows `scene`.
async (load, scene) => {
  // (the page's window: a WebDriver script's own global is a sandbox in Firefox)
  const page = window;
  // On the prototype: WebKit may drop a property set on navigator.mediaDevices itself (the
  // object's wrapper is not kept alive by it).
  const install = (f) => {
    Object.defineProperty(MediaDevices.prototype, 'getUserMedia', { value: f, configurable: true, writable: true });
  };
  if (page.__stage) {
    install(page.__stage.getUserMedia);
    page.__stage.show(scene);
    return page.__stage;
  }
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  const ctx = canvas.getContext('2d');
  const images = {};
  for (const name of ['front', 'back', 'empty', 'lookalike']) {
    images[name] = await createImageBitmap(await load(name));
  }
  let current = scene;
  const draw = () => ctx.drawImage(images[current], 0, 0);
  draw();
  setInterval(draw, 33);
  const streams = [];
  const getUserMedia = async (constraints) => {
    if (!constraints || !constraints.video) throw new TypeError('stage: no video asked');
    const s = canvas.captureStream(30);
    streams.push(s);
    return s;
  };
  install(getUserMedia);
  page.__stage = {
    show(name) {
      current = name;
      draw();
    },
    streams,
    getUserMedia,
  };
  return page.__stage;
}
