/**
 * Marks an <img> `loaded` once its pixels are there (and `broken` if they never come), so
 * the CSS can put the transparency checkerboard behind a drawn image only: before that,
 * and in letterbox space, the frame stays a neutral grey that cannot be read as
 * transparency.
 */
export function markLoaded(img: HTMLImageElement): () => void {
  const set = (): void => {
    img.classList.toggle("loaded", img.complete && img.naturalWidth > 0);
    img.classList.toggle("broken", img.complete && img.naturalWidth === 0 && !!img.getAttribute("src"));
  };
  // A new src starts over: its old pixels are gone until the new ones decode.
  const watch = new MutationObserver(() => img.classList.remove("loaded", "broken"));
  watch.observe(img, { attributes: true, attributeFilter: ["src"] });
  img.addEventListener("load", set);
  img.addEventListener("error", set);
  if (img.complete) set();
  return () => {
    watch.disconnect();
    img.removeEventListener("load", set);
    img.removeEventListener("error", set);
  };
}
