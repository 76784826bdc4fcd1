// Runs in the rendered page: marks what a visitor cannot see, judged by the
// browser's computed style and layout, and returns the page as HTML in which
// each hidden element carries an inline style the static analysis reads
// (`display:none`, `left:-9999px` …). Scripts, <noscript> and <template> are
// left out: what they did is already in the DOM.
(() => {
  const LIMIT = __LIMIT__;
  const STYLE = {
    display: 'display:none',
    visibility: 'visibility:hidden',
    opacity: 'opacity:0',
    offscreen: 'position:absolute;left:-9999px',
    size: 'height:0;overflow:hidden',
    font: 'font-size:0',
    indent: 'text-indent:-9999px',
  };
  const MARK = 'data-wangan-hidden';
  const inside = new Set();
  const sx = window.scrollX, sy = window.scrollY;
  const why = (el) => {
    const cs = getComputedStyle(el);
    if (cs.display === 'none') return 'display';
    if (cs.visibility === 'hidden' || cs.visibility === 'collapse') return 'visibility';
    if (parseFloat(cs.opacity) <= 0.05) return 'opacity';
    if (cs.display === 'contents') return null;
    const r = el.getBoundingClientRect();
    if (r.right + sx < -100 || r.bottom + sy < -100) return 'offscreen';
    const clips = /hidden|clip/.test(cs.overflow + cs.overflowX + cs.overflowY);
    if (clips && (r.width <= 1 || r.height <= 1) && (el.textContent || '').trim()) return 'size';
    if (cs.clipPath && /inset\(\s*(50|100)%/.test(cs.clipPath)) return 'size';
    if (cs.clip && /rect\(\s*0(px)?[ ,]+0(px)?[ ,]+0(px)?[ ,]+0(px)?\s*\)/.test(cs.clip)) return 'size';
    if (parseFloat(cs.fontSize) <= 1 && (el.textContent || '').trim()) return 'font';
    if (parseFloat(cs.textIndent) <= -500) return 'indent';
    return null;
  };
  const body = document.body;
  if (body) {
    for (const el of body.querySelectorAll('*')) {
      const parent = el.parentElement;
      if (parent && inside.has(parent)) {
        inside.add(el);
        continue;
      }
      const reason = why(el);
      if (reason) {
        el.setAttribute(MARK, reason);
        inside.add(el);
      }
    }
  }
  const copy = document.documentElement.cloneNode(true);
  for (const el of copy.querySelectorAll('script, noscript, template')) el.remove();
  for (const el of copy.querySelectorAll('[' + MARK + ']')) {
    el.setAttribute('style', STYLE[el.getAttribute(MARK)] || 'display:none');
  }
  const html = '<!DOCTYPE html>' + copy.outerHTML;
  return html.length > LIMIT ? html.slice(0, LIMIT) : html;
})()
