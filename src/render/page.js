// The page's one script. Sorts the overview table by the column whose header is pressed
// (mouse or keyboard; rows carry their sort keys in data-v), and on a live dashboard
// (body[data-refresh]) reloads it every so many seconds behind a switch people can turn off.
// Without script the table stays worst first and the page still reads.
(function () {
  var table = document.querySelector("table.sortable");
  if (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-v") || "";
          var y = b.cells[col].getAttribute("data-v") || "";
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  var every = parseInt(document.body.getAttribute("data-refresh"), 10);
  var meta = document.querySelector("header .meta");
  if (every > 0 && meta) {
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = sessionStorage.getItem("slo-refresh") !== "off";
    box.addEventListener("change", function () {
      sessionStorage.setItem("slo-refresh", box.checked ? "on" : "off");
    });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" reload every " + every + " s"));
    label.className = "refresh";
    meta.appendChild(label);
    setInterval(function () {
      if (box.checked && !document.hidden) location.reload();
    }, every * 1000);
  }
})();
