// Runs in the page: rasterise a picture (and a copy whose highlight is key-coloured) at a
// phone's width on a background, and measure what a reader sees of its highlight.
async ({picture, keyed, blank, blankKeyed, width, background}) => {
  async function pixels(source) {
    const img = new Image();
    img.src = source;
    await img.decode();
    const height = Math.round(width * img.naturalHeight / img.naturalWidth);
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    const context = canvas.getContext('2d');
    context.fillStyle = background;
    context.fillRect(0, 0, width, height);
    context.drawImage(img, 0, 0, width, height);
    return {data: context.getImageData(0, 0, width, height).data, height};
  }
  function channel(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }
  function luminance(d, i) { return 0.2126 * channel(d[i]) + 0.7152 * channel(d[i + 1]) + 0.0722 * channel(d[i + 2]); }
  function isKey(d, i) { return Math.abs(d[i] - 255) + d[i + 1] + Math.abs(d[i + 2] - 255) < 40; }
  function contrast(a, b) { return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
  function median(values) {
    if (!values.length) return NaN;
    values.sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  }
  // Square dilation of a mask by r pixels (two passes of a running maximum).
  function dilate(mask, w, h, r) {
    const rows = new Uint8Array(w * h), out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      let last = -Infinity;
      for (let x = 0; x < w; x++) { if (mask[y * w + x]) last = x; if (x - last <= r) rows[y * w + x] = 1; }
      last = Infinity;
      for (let x = w - 1; x >= 0; x--) { if (mask[y * w + x]) last = x; if (last - x <= r) rows[y * w + x] = 1; }
    }
    for (let x = 0; x < w; x++) {
      let last = -Infinity;
      for (let y = 0; y < h; y++) { if (rows[y * w + x]) last = y; if (y - last <= r) out[y * w + x] = 1; }
      last = Infinity;
      for (let y = h - 1; y >= 0; y--) { if (rows[y * w + x]) last = y; if (last - y <= r) out[y * w + x] = 1; }
    }
    return out;
  }
  const plain = await pixels(picture), key = await pixels(keyed);
  const h = plain.height, n = width * h;
  const bg = (() => { const c = document.createElement('canvas').getContext('2d');
    c.fillStyle = background; c.fillRect(0, 0, 1, 1); return c.getImageData(0, 0, 1, 1).data; })();
  const mask = new Uint8Array(n);
  let keyPixels = 0, minX = width, minY = h, maxX = -1, maxY = -1, total = 0;
  const inside = [];
  for (let p = 0; p < n; p++) {
    const i = p * 4;
    total += luminance(plain.data, i);
    if (isKey(key.data, i)) {
      mask[p] = 1; keyPixels++;
      const x = p % width, y = Math.floor(p / width);
      minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      inside.push(luminance(plain.data, i));
    }
  }
  // Just outside the fill: the heavy outline. Further out: the surrounding drawing (not the
  // page's background, where the highlight reaches the limb's edge).
  const near = dilate(mask, width, h, 3), farInner = dilate(mask, width, h, 8), far = dilate(mask, width, h, 18);
  const ring = [], outline = [];
  for (let p = 0; p < n; p++) {
    if (mask[p]) continue;
    const i = p * 4;
    const isBackground = Math.abs(plain.data[i] - bg[0]) + Math.abs(plain.data[i + 1] - bg[1]) + Math.abs(plain.data[i + 2] - bg[2]) < 24;
    if (near[p]) outline.push(luminance(plain.data, i));
    else if (far[p] && !farInner[p] && !isBackground) ring.push(luminance(plain.data, i));
  }
  // The fill's own colour: away from its edges (2 px in), where the outline and the pale lines
  // parting a group's members lie; all of it when too little is left.
  const outside = new Uint8Array(n);
  for (let p = 0; p < n; p++) outside[p] = mask[p] ? 0 : 1;
  const edge = dilate(outside, width, h, 2), core = [];
  for (let p = 0; p < n; p++) if (mask[p] && !edge[p]) core.push(luminance(plain.data, p * 4));
  const fill = median(core.length >= 50 ? core : inside), around = median(ring);
  outline.sort((a, b) => a - b);
  const darkest = outline.length ? outline[Math.floor(outline.length * 0.1)] : NaN;
  const blankPlain = await pixels(blank), blankKey = await pixels(blankKeyed);
  let blankKeyPixels = 0, blankTotal = 0;
  for (let p = 0; p < n && p * 4 < blankPlain.data.length; p++) {
    if (isKey(blankKey.data, p * 4)) blankKeyPixels++;
    blankTotal += luminance(blankPlain.data, p * 4);
  }
  // The highlight's colour, and the same pixels' colour unhighlighted (what the tint adds):
  // the median of each channel over the highlight.
  const channels = (d) => [0, 1, 2].map((c) => {
    const values = [];
    for (let p = 0; p < n; p++) if (mask[p] && p * 4 < d.length) values.push(d[p * 4 + c]);
    return median(values);
  });
  return {
    width, height: h, keyPixels, box: [minX, minY, maxX + 1, maxY + 1],
    fillContrast: contrast(fill, around), outlineContrast: contrast(darkest, around),
    fill, around, darkest, meanLuminance: total / n, blankMeanLuminance: blankTotal / n,
    blankKeyPixels, fillColour: channels(plain.data), blankColour: channels(blankPlain.data),
  };
}
