/*! Kindred tracker: events after analytics consent, recommendation blocks. README "The tracker". */
(function (w, d, nav) {
  var me = d.currentScript, key = me && me.getAttribute("data-kindred-key");
  if (!key || (w.kindred && w.kindred.v)) return;
  var at = function (el, n) { return el.getAttribute("data-kindred-" + n); };
  var put = function (el, n, v) { el.setAttribute("data-kindred-" + n, v); };
  var attr = function (n) { return at(me, n); };
  var base = new URL(me.src).origin + "/v1/", store, ss, QK = "kindred.q", SK = "kindred.s";
  try { store = w.localStorage; ss = w.sessionStorage; } catch (e) { /* storage blocked: nothing kept */ }
  var token = attr("token") || "", user = idOf(token), flushMs = +attr("flush-ms") || 4000;
  var gpc = nav.globalPrivacyControl && attr("gpc") != "ignore";
  var on = 0, decided = 0, personal = 0, q = [], sid, timer, busy, wait = 0, waiting = [];
  var pageItem = attr("page"), seen = {}, timers = new Map(), watched = new WeakSet(), io, depth = 0, frame;
  var shown = 0, since = 0, ended = 0, ITEM = "[data-kindred-item]";
  var dev = !w.matchMedia("(pointer:coarse)").matches ? "desktop" : Math.min(screen.width, screen.height) >= 600 ? "tablet" : "mobile";

  var enc = encodeURIComponent, nop = function () {};
  function safe(f) {
    return function () { try { return f.apply(this, arguments); } catch (e) { /* never into the page */ } };
  }
  function idOf(t) {
    try {
      return decodeURIComponent(escape(atob(t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))));
    } catch (e) { return ""; }
  }
  function rid() { return crypto.getRandomValues(new Uint32Array(4)).join("-"); }
  function save() { try { store.setItem(QK, JSON.stringify(q)); } catch (e) {} }
  function url(path) { return base + path + (path.indexOf("?") < 0 ? "?" : "&") + "key=" + enc(key) + (token ? "&token=" + enc(token) : ""); }
  function headers(h, t) {
    h = h || {};
    h["X-Api-Key"] = key;
    if (t) h["X-Kindred-User-Token"] = t;
    return h;
  }

  /** Queues one event; nothing is queued before analytics consent. */
  function track(type, fields) {
    if (!on) return;
    var e = { event_id: rid(), type: type, session_id: sid, ts: Date.now(), device: dev, hour: new Date().getHours() };
    for (var k in fields) if (fields[k] != null) e[k] = fields[k];
    if (user) e.user_id = user;
    q.push(e);
    save();
    if (q.length >= 20) flush(); else if (!timer) timer = setTimeout(flush, flushMs);
  }

  /** Sends the queue: by beacon when the page goes away, else by fetch with retries. */
  function flush(leaving) {
    clearTimeout(timer);
    timer = 0;
    if (!q.length || busy) return;
    var batch = q.slice(0, 50), body = JSON.stringify({ events: batch });
    // A beacon's answer is never seen: its events stay in storage, and the next page sends them
    // again (the server drops duplicates by event_id) in case this one was refused.
    if (leaving && nav.sendBeacon && nav.sendBeacon(url("events"), body)) return done(batch, 1);
    busy = 1;
    fetch(url("events"), { method: "POST", body: body, keepalive: true }).then(function (r) {
      busy = 0;
      if (r.status > 499 || r.status == 429) return retry(+r.headers.get("Retry-After"));
      if (r.status == 401 && token) { token = user = ""; q.forEach(function (e) { delete e.user_id; }); return retry(0); }
      done(batch);
    }, function () { busy = 0; retry(0); });
  }
  function done(batch, unsure) {
    q = q.filter(function (e) { return batch.indexOf(e) < 0; });
    if (!unsure) save();
    wait = 0;
    if (q.length) timer = setTimeout(flush, 0);
  }
  function retry(after) {
    wait = Math.min(60, Math.max(after || 0, wait ? wait * 2 : 1));
    timer = setTimeout(flush, wait * 1e3);
  }

  /** Watches new item elements; `again` re-reads all, as a tab shown again starts every second afresh. */
  function observe(again) {
    d.querySelectorAll(ITEM).forEach(function (el) {
      if (again || !watched.has(el)) { watched.add(el); io.unobserve(el); io.observe(el); }
    });
  }
  /** An impression: at least half the element visible for one continuous second, once per page view. */
  var sight = safe(function (entries) {
    entries.forEach(function (x) {
      var el = x.target, t = timers.get(el);
      if (x.intersectionRatio >= 0.5 && !d.hidden) {
        if (!t) timers.set(el, setTimeout(safe(function () {
          timers.delete(el);
          io.unobserve(el);
          var id = at(el, "item"), req = at(el, "request"), k = id + "|" + req;
          if (!seen[k]) { seen[k] = 1; track("impression", { item_id: id, request_id: req }); }
        }), 1e3));
      } else if (t) { clearTimeout(t); timers.delete(el); }
    });
  });
  function measure() {
    frame = 0;
    var h = d.documentElement.scrollHeight;
    depth = Math.max(depth, Math.min(1, (w.scrollY + w.innerHeight) / h));
  }
  var visibility = safe(function () {
    var now = performance.now();
    if (d.hidden) {
      shown += since ? now - since : 0;
      since = 0;
      timers.forEach(clearTimeout);
      timers.clear();
      flush(1);
    } else {
      since = now;
      observe(1);
    }
  });
  /** Dwell (seconds visible) and the deepest scroll of this page view, then everything by beacon. */
  var leave = safe(function () {
    if (!on || ended) return;
    ended = 1;
    var ms = shown + (since ? performance.now() - since : 0);
    if (pageItem) {
      track("dwell", { item_id: pageItem, value: Math.round(ms / 100) / 10 });
      track("scroll", { item_id: pageItem, value: Math.round(depth * 100) / 100 });
    }
    flush(1);
  });

  function start() {
    // The session lasts as long as the tab; the queue outlives it, so that a retry survives a reload.
    try { sid = ss.getItem(SK) || rid(); ss.setItem(SK, sid); q = JSON.parse(store.getItem(QK)) || []; } catch (e) { sid = sid || rid(); }
    since = d.hidden ? 0 : performance.now();
    if (pageItem) track("view", { item_id: pageItem, referrer: d.referrer, time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone });
    io = new IntersectionObserver(sight, { threshold: 0.5 });
    observe();
    new MutationObserver(safe(function () { observe(); })).observe(d.documentElement, { childList: true, subtree: true });
    d.addEventListener("click", safe(function (e) {
      var el = e.target.closest && e.target.closest(ITEM);
      if (el) { track("click", { item_id: at(el, "item"), request_id: at(el, "request") }); flush(1); }
    }), true);
    d.addEventListener("pointerover", safe(function (e) {
      var el = e.target.closest && e.target.closest("a[data-kindred-item]");
      if (el) prefetch(at(el, "item"));
    }), { passive: true });
    w.addEventListener("scroll", function () { if (!frame) frame = requestAnimationFrame(safe(measure)); }, { passive: true });
    d.addEventListener("visibilitychange", visibility);
    w.addEventListener("pagehide", leave);
    requestAnimationFrame(safe(measure));
    if (q.length) flush();
  }

  /** The shop's banner decided: record it for the person (with a token), start or stop collecting. */
  function consent(c) {
    var a = !!c.analytics && !gpc;
    personal = c.personalization !== false && !(gpc && c.personalization == null);
    if (token) for (var p in c) {
      fetch(base + "consents", { method: "POST", headers: headers({ "Content-Type": "application/json" }, token), body: JSON.stringify({
        user_id: user, purpose: p, granted: p == "analytics" ? a : !!c[p], ts: Date.now(), source: "tracker" }) }).catch(nop);
    }
    if (a && !on) { on = 1; start(); }
    if (!a) { on = 0; q = []; try { store.removeItem(QK); ss.removeItem(SK); } catch (e) {} }
    decided = 1;
    waiting.splice(0).forEach(function (f) { f(); });
  }

  function prefetch(item) {
    if (!on) return;
    var k = "kindred.p." + item;
    try { if (ss.getItem(k)) return; } catch (e) { return; }
    get("items/" + enc(item) + "/similar?k=8").then(function (r) {
      try { ss.setItem(k, JSON.stringify(r)); } catch (e) {}
    }, nop);
  }
  function req(path) {
    return fetch(base + path, { headers: headers(0, personal && token) }).then(function (r) {
      if (!r.ok) throw r.status;
      return r;
    });
  }
  function get(path) { return req(path).then(function (r) { return r.json(); }); }
  /** Renders a list into the container: its <template> (fields named by data-kindred-field) per item, or links. */
  function render(el, list, o) {
    var t = el.querySelector("template"), out = d.createDocumentFragment();
    list.items.forEach(function (it) {
      var n;
      if (t) {
        n = t.content.firstElementChild.cloneNode(true);
        n.querySelectorAll("[data-kindred-field]").forEach(function (f) { var v = it[at(f, "field")]; f.textContent = v == null ? "" : v; });
      } else {
        n = d.createElement("a");
        n.textContent = (it.title || it.item_id) + (it.price != null ? " " + it.price : "");
      }
      if (o.link) n.href = o.link.replace("{item_id}", enc(it.item_id));
      put(n, "item", it.item_id);
      put(n, "request", list.request_id);
      out.appendChild(n);
    });
    el.querySelectorAll(ITEM).forEach(function (n) { n.remove(); });
    el.appendChild(out);
    put(el, "personalized", list.personalized);
  }
  /** A recommendation block; `live` keeps it fresh from the server's event stream. */
  function recommend(el, o) {
    o = o || {};
    if (!decided) return waiting.push(function () { recommend(el, o); });
    var path = "users/" + enc(personal && user || "anonymous") + "/recommendations?k=" + (o.k || 6) +
      (o.category ? "&category=" + enc(o.category) : "") + "&device=" + dev + "&hour=" + new Date().getHours();
    try { var cached = o.similar && JSON.parse(ss.getItem("kindred.p." + o.similar)); } catch (e) {}
    if (cached) return render(el, cached, o);
    if (o.similar) return get("items/" + enc(o.similar) + "/similar?k=" + (o.k || 6)).then(safe(function (r) { render(el, r, o); }), nop);
    if (o.live && personal && user && on) return stream(el, o, path.replace("?", "/stream?"));
    get(path).then(safe(function (r) { render(el, r, o); }), nop);
  }
  /** Server-sent events read through fetch (headers carry the key); reconnects after a drop. */
  function stream(el, o, path) {
    req(path).then(function (r) {
      var reader = r.body.getReader(), text = "", dec = new TextDecoder();
      function read() {
        return reader.read().then(safe(function (c) {
          if (c.done) throw 0;
          text += dec.decode(c.value, { stream: true });
          var parts = text.split("\n\n");
          text = parts.pop();
          parts.forEach(function (p) {
            var m = /^data:(.*)$/m.exec(p);
            if (m) render(el, JSON.parse(m[1]), o);
          });
          return read();
        }));
      }
      return read();
    }).catch(function (s) { if (s != 401 && s != 403) setTimeout(function () { stream(el, o, path); }, 3e3); });
  }

  var run = safe(function (a) {
    var c = a[0];
    if (c == "consent") consent(a[1] || {});
    else if (c == "track") track(a[1], a[2] || {});
    else if (c == "identify") { token = a[1] || ""; user = idOf(token); }
    else if (c == "recommend") recommend(a[1], a[2]);
  });
  var early = (w.kindred && w.kindred.q) || [];
  w.kindred = function () { run(arguments); };
  w.kindred.v = 1;
  early.forEach(run);
})(window, document, navigator);
