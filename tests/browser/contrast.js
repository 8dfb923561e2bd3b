// Measure the WCAG 2.1 contrast of every text inside the elements matching a selector, from computed styles.
// Called by tests/browser/test_accessibility.py as page.evaluate(source, selector); returns one record per text:
// {text, ratio, fg, bg, where}. A text's colour is blended over the backgrounds behind it (alpha compositing,
// from the nearest opaque ancestor down), so a translucent colour on a translucent bubble is measured as seen.
(selector) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const paint = canvas.getContext("2d", { willReadFrequently: true });

  // Any CSS colour (rgb(), color(srgb ...), a color-mix result) to [r, g, b, alpha] with r, g, b in 0..255.
  const rgba = (css) => {
    paint.clearRect(0, 0, 1, 1);
    paint.fillStyle = "rgba(0, 0, 0, 0)";
    paint.fillStyle = css;
    paint.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = paint.getImageData(0, 0, 1, 1).data;
    return a === 0 ? [0, 0, 0, 0] : [r, g, b, a / 255];
  };
  const over = (top, below) => {
    const a = top[3] + below[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + below[i] * below[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const luminance = ([r, g, b]) => {
    const linear = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const ratio = (one, two) => {
    const [light, dark] = [luminance(one), luminance(two)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  };
  // The colour behind an element: its own background and every ancestor's, blended from the page down.
  const backdrop = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] === 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255, 1]);
  };
  const opacity = (element) => {
    let product = 1;
    for (let node = element; node; node = node.parentElement) product *= Number(getComputedStyle(node).opacity);
    return product;
  };
  const shown = (element) => {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 0 && box.height > 0;
  };
  const measure = (element, text, colourCss, where) => {
    const fg = rgba(colourCss);
    fg[3] *= opacity(element);
    const bg = backdrop(element);
    const seen = over(fg, bg);
    const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
    return { text: text.slice(0, 60), ratio: ratio(seen, bg), fg: hex(seen), bg: hex(bg), where };
  };
  const path = (element) => {
    const parts = [];
    for (let node = element; node && parts.length < 4; node = node.parentElement) {
      parts.push(node.tagName.toLowerCase() + [...node.classList].slice(0, 2).map((c) => "." + c).join(""));
    }
    return parts.join(" < ");
  };

  const found = [];
  for (const root of document.querySelectorAll(selector)) {
    if (!shown(root)) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.textContent.trim() || !element || !shown(element)) continue;
      found.push(measure(element, node.textContent.trim(), getComputedStyle(element).color, path(element)));
    }
    // Text that is not a text node: what is typed in a box, and its placeholder.
    for (const input of root.querySelectorAll("input, textarea")) {
      if (!shown(input) || input.disabled) continue;
      found.push(measure(input, input.value || "(value)", getComputedStyle(input).color, path(input)));
      if (input.placeholder) {
        const placeholder = getComputedStyle(input, "::placeholder").color;
        found.push(measure(input, input.placeholder, placeholder, path(input) + "::placeholder"));
      }
    }
  }
  return found;
}
