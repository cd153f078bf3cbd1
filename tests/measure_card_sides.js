// Runs in the page: for each card side, the measurements a reader's eyes care about.
() => {
  function rgba(text) {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(',').map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function luminance([r, g, b]) {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function background(el) {
    for (let node = el; node; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg[3] > 0) return bg;
    }
    return [255, 255, 255, 1];
  }
  const results = [];
  const width = window.innerWidth;
  for (const side of document.querySelectorAll('.card[data-side]')) {
    const problems = [];
    if (side.scrollWidth > side.clientWidth + 1) problems.push('overflows sideways by ' + (side.scrollWidth - side.clientWidth) + 'px');
    const box = side.getBoundingClientRect();
    if (box.right > width + 1 || box.left < -1) problems.push('outside the viewport');
    let minFont = Infinity, minContrast = Infinity;
    const walker = document.createTreeWalker(side, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const el = node.parentElement;
      const style = getComputedStyle(el);
      minFont = Math.min(minFont, parseFloat(style.fontSize));
      const fg = luminance(rgba(style.color)), bg = luminance(background(el));
      const contrast = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (contrast < minContrast) minContrast = contrast;
      const r = el.getBoundingClientRect();
      if (r.right > box.right + 1) problems.push('text sticks out: ' + node.textContent.slice(0, 30));
    }
    for (const img of side.querySelectorAll('img')) {
      const r = img.getBoundingClientRect();
      if (r.width === 0 || r.right > width + 1 || r.left < -1) problems.push('image outside the viewport');
    }
    results.push({card: side.dataset.card, side: side.dataset.side, problems, minFont, minContrast});
  }
  return {results, pageOverflow: document.documentElement.scrollWidth - window.innerWidth};
}
