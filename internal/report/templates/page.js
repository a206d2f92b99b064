(function () {
  var box = document.querySelector('p.search');
  var input = document.getElementById('search');
  if (box && input) {
    box.hidden = false;
    input.addEventListener('input', function () {
      var q = input.value.toLowerCase(), hits = 0;
      document.querySelectorAll('pre.log').forEach(function (pre) {
        var any = false;
        pre.querySelectorAll('.line').forEach(function (l) {
          var hit = q !== '' && l.textContent.toLowerCase().indexOf(q) >= 0;
          l.classList.toggle('hit', hit);
          if (hit) { any = true; hits++; }
        });
        pre.classList.toggle('filtered', q !== '');
        if (any) pre.closest('details').open = true;
      });
      document.getElementById('found').textContent = q === '' ? '' : hits + ' lines';
    });
  }
  var url = document.body.dataset.events;
  if (!url || !window.EventSource) return;
  var live = document.getElementById('live'), pending = false;
  function refresh() {
    pending = false;
    fetch(location.href).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      var open = {};
      document.querySelectorAll('details[id]').forEach(function (d) { open[d.id] = d.open; });
      document.getElementById('main').replaceWith(doc.getElementById('main'));
      document.querySelectorAll('details[id]').forEach(function (d) { if (d.id in open) d.open = open[d.id] || d.open; });
    });
  }
  var es = new EventSource(url);
  es.onmessage = function (m) {
    var e = JSON.parse(m.data);
    live.textContent += e.time + ' ' + e.type + (e.stage ? ' ' + e.stage + ' [' + e.arch + ']' : '') + (e.line ? ': ' + e.line : '') + '\n';
    if (e.type === 'run.finished') es.close();
    if (!pending) { pending = true; setTimeout(refresh, 200); }
  };
})();
