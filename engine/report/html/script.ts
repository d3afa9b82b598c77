/**
 * The one script of the HTML pages: filters (scenario, cell, verdict) and sortable tables. The
 * page works without it (progressive enhancement): every row and conversation is in the markup,
 * and the filter form stays hidden until this script shows it.
 *
 * It never builds markup from strings (no innerHTML): it only sets `hidden` on elements that
 * carry `data-filterable`, compares the tokens in their `data-scenario`, `data-cell` and
 * `data-verdict` attributes (tokens the renderer made: slugs, `c3`, YES/NO/unscored, never
 * model output), and reorders table rows by each cell's `data-sort` or text. The
 * Content-Security-Policy allows this exact text by its sha256 and nothing else.
 */
import { createHash } from 'node:crypto';

export const PAGE_SCRIPT = `(function () {
  'use strict';
  var doc = document;
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var form = doc.getElementById('filters');
  if (form) {
    form.hidden = false;
    var selects = form.querySelectorAll('select[data-filter]');
    var count = form.querySelector('output');
    var apply = function () {
      var want = [];
      each(selects, function (s) { if (s.value) want.push([s.getAttribute('data-filter'), s.value]); });
      var shown = 0, total = 0;
      each(doc.querySelectorAll('[data-filterable]'), function (el) {
        var ok = want.every(function (w) {
          var have = el.getAttribute('data-' + w[0]);
          return have === null || have.split(' ').indexOf(w[1]) >= 0;
        });
        el.hidden = !ok;
        if (el.hasAttribute('data-conversation')) { total++; if (ok) shown++; }
      });
      each(doc.querySelectorAll('[data-group]'), function (g) {
        var items = g.querySelectorAll('[data-filterable]');
        g.hidden = items.length > 0 && Array.prototype.every.call(items, function (i) { return i.hidden; });
      });
      if (count) count.textContent = 'Showing ' + shown + ' of ' + total + ' conversations and diffs.';
    };
    each(selects, function (s) { s.addEventListener('change', apply); });
    apply();
  }
  var key = function (row, col) {
    var cell = row.cells[col];
    if (!cell) return '';
    var v = cell.getAttribute('data-sort');
    return v === null ? cell.textContent.trim() : v;
  };
  each(doc.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead || !table.tBodies[0]) return;
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, col) {
      var button = doc.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute('aria-sort', 'none');
      button.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        each(heads, function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a, col), y = key(b, col);
          // Empty cells and dashes (no data) go last either way.
          var ex = x === '' || x === '\\u2013', ey = y === '' || y === '\\u2013';
          if (ex || ey) return ex === ey ? 0 : ex ? 1 : -1;
          var nx = Number(x), ny = Number(y);
          var c = isFinite(nx) && isFinite(ny) ? nx - ny : x.localeCompare(y);
          return dir === 'ascending' ? c : -c;
        });
        each(rows, function (r) { body.appendChild(r); });
      });
    });
  });
})();`;

/** The CSP source that allows exactly `PAGE_SCRIPT`: its sha256, computed from the text placed in the page. */
export function scriptHash(script: string = PAGE_SCRIPT): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}
