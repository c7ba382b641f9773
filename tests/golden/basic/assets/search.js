/* mentorsite search, filters and matching: progressive enhancement of the directory (#results)
   and the match page (#match-form). No framework, no build step. Everything runs in the
   browser against the static index under search/ (see src/mentorsite/search.py for its layout);
   nothing a visitor types or chooses is sent anywhere. */
(function () {
  "use strict";

  var PAGE = 24;
  var FORMAT = 3; // the index layout this script reads (search.py FORMAT)
  var FACTOR_EXACT = 1;
  var FACTOR_PREFIX = 0.8;
  var FACTOR_TYPO = 0.5;
  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var CODE = new Int16Array(128).fill(-1);
  for (var a = 0; a < ALPHABET.length; a++) CODE[ALPHABET.charCodeAt(a)] = a;

  /* ---------------------------------------------------------------- text */

  var WORD = /[\p{L}\p{N}\p{M}]+/gu; // after normalising, only the marks that matter are left
  var MARKS = /\p{M}/gu;
  var NON_ASCII = /[^\x00-\x7f]/;

  function inRanges(code, ranges) {
    for (var i = 0; i < ranges.length; i++) if (code >= ranges[i][0] && code <= ranges[i][1]) return true;
    return false;
  }

  /* Text rules of the index (search.py normalise/tokens), from the manifest: the fold table and
     the writing-system ranges (marks kept, characters paired), so both sides agree. */
  function TextRules(manifest) {
    var fold = manifest.fold || {}, script = manifest.script, other = /[^\x00-\x7f]/g;
    this.cjk = script.cjk;
    this.article = script.article;
    this.articleMin = script.articleMin;
    this.normalise = function (text) {
      text = text.toLowerCase();
      if (!NON_ASCII.test(text)) return text;
      return text.normalize("NFKD").replace(MARKS, function (c) {
        return inRanges(c.codePointAt(0), script.keepMarks) ? c : "";
      }).replace(other, function (c) {
        return Object.prototype.hasOwnProperty.call(fold, c) ? fold[c] : c;
      });
    };
  }

  TextRules.prototype.isCjk = function (ch) {
    return inRanges(ch.codePointAt(0), this.cjk);
  };

  /* Query words of normalised text: the index's tokens (two characters or more; CJK runs as
     character pairs plus the last character), an Arabic article dropped when two letters
     follow it, since the index holds such words both with and without it. */
  TextRules.prototype.words = function (text) {
    var self = this, out = [];
    (text.match(WORD) || []).forEach(function (word) {
      var piece = [], run = [];
      function endPiece() {
        if (piece.length >= 2) out.push(self.bare(piece.join("")));
        piece = [];
      }
      function endRun() {
        for (var k = 0; k + 1 < run.length; k++) out.push(run[k] + run[k + 1]);
        if (run.length) out.push(run[run.length - 1]);
        run = [];
      }
      Array.from(word).forEach(function (ch) {
        if (self.isCjk(ch)) {
          endPiece();
          run.push(ch);
        } else {
          endRun();
          piece.push(ch);
        }
      });
      endPiece();
      endRun();
    });
    return out;
  };

  TextRules.prototype.bare = function (word) {
    return word.length >= this.articleMin && word.lastIndexOf(this.article, 0) === 0 ? word.slice(this.article.length) : word;
  };

  /* True when a and b are at most one edit apart (insert, delete, substitute or swap two
     neighbours). */
  function within1(a, b) {
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1) return false;
    var i = 0;
    while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
    if (i === la && i === lb) return true;
    if (la === lb) {
      if (a.slice(i + 1) === b.slice(i + 1)) return true;
      return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
    }
    return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }

  /* One typo away from the word or from the start of it ("leadershp", "desing"). */
  function nearWord(t, w) {
    if (within1(t, w)) return true;
    for (var len = t.length - 1; len <= t.length + 1; len++) {
      if (len < w.length && len >= 3 && within1(t, w.slice(0, len))) return true;
    }
    return false;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* The words shown come from the build (assets/messages.<lang>.js, mentorsite/messages.js). */
  var i18n = window.mentorsiteI18n || {
    lang: "en",
    inSentence: function (s) { return s.toLowerCase(); },
    gettext: function (s) { return s; },
    ngettext: function (s, p, n) { return n === 1 ? s : p; },
  };
  var _ = i18n.gettext, ngettext = i18n.ngettext;

  function lower(text) {
    return text.toLocaleLowerCase(i18n.lang);
  }

  /* Match reasons as a list in the page's language ("a, b, c"; the last joined by a comma too). */
  var listFormat = window.Intl && Intl.ListFormat ? new Intl.ListFormat(i18n.lang, { type: "unit", style: "short" }) : null;

  function plural(n) {
    return ngettext("%(count)s mentor", "%(count)s mentors", n, { count: n });
  }

  /* ---------------------------------------------------------------- index */

  function Index(dir) {
    this.dir = dir;
    this.manifest = null;
    this.shards = {};   // prefix -> promise of {token: posting}
    this.loaded = {};   // prefix -> {token: posting} once arrived
    this.chunks = {};   // number -> promise
    this.records = {};  // number -> array of records once arrived
    this.postings = {}; // token -> {ords, weights}
    this.matches = {};  // query word -> [[prefix, token, factor], ...]
    this.textCache = new Map(); // query words -> ranked text matches (most recent 24)
    this.facetData = null;
    this.facetPromise = null;
  }

  Index.prototype.load = function () {
    var self = this;
    if (!this.ready) {
      this.ready = fetch(this.dir + "manifest.json", { cache: "no-cache" })
        .then(function (r) {
          if (!r.ok) throw new Error("search index missing");
          return r.json();
        })
        .then(function (m) {
          if (m.format !== FORMAT) throw new Error("unknown search index format");
          self.manifest = m;
          self.text = new TextRules(m);
          self.stop = new Set(m.stop || []);
          self.facetByKey = {};
          m.facets.forEach(function (f, fi) {
            f.index = {};
            f.values.forEach(function (v, vi) { f.index[v[0]] = vi; });
            f.position = fi;
            self.facetByKey[f.key] = f;
          });
          return self;
        });
    }
    return this.ready;
  };

  Index.prototype.url = function (path) {
    return this.dir + path + "?v=" + this.manifest.v;
  };

  Index.prototype.json = function (path) {
    return fetch(this.url(path)).then(function (r) {
      if (!r.ok) throw new Error(path + ": " + r.status);
      return r.json();
    });
  };

  Index.prototype.shard = function (prefix) {
    var self = this;
    if (!this.shards[prefix]) {
      var number = this.manifest.shards[prefix];
      this.shards[prefix] = number === undefined ? Promise.resolve({}) : this.json("t/" + number + ".json");
      this.shards[prefix].then(function (data) { self.loaded[prefix] = data; }, function () {
        delete self.shards[prefix];
      });
    }
    return this.shards[prefix];
  };

  Index.prototype.chunk = function (number) {
    var self = this;
    if (!this.chunks[number]) {
      this.chunks[number] = this.json("r/" + number + ".json");
      this.chunks[number].then(function (data) { self.records[number] = data; }, function () {
        delete self.chunks[number];
      });
    }
    return this.chunks[number];
  };

  Index.prototype.record = function (ord) {
    var chunk = this.records[Math.floor(ord / this.manifest.chunk)];
    return chunk ? chunk[ord % this.manifest.chunk] : null;
  };

  /* Chunks still to fetch before the records of ords can be shown (null when none). */
  Index.prototype.missingChunks = function (ords) {
    var size = this.manifest.chunk, need = [], seen = {};
    for (var i = 0; i < ords.length; i++) {
      var c = Math.floor(ords[i] / size);
      if (!this.records[c] && !seen[c]) {
        seen[c] = true;
        need.push(c);
      }
    }
    return need.length ? need : null;
  };

  Index.prototype.facets = function () {
    var self = this;
    if (!this.facetPromise) {
      this.facetPromise = this.json("facets.json").then(function (data) {
        self.facetData = decodeFacets(self.manifest, data);
        return self.facetData;
      }, function (err) {
        self.facetPromise = null;
        throw err;
      });
    }
    return this.facetPromise;
  };

  /* Facet columns -> per facet CSR arrays: values of mentor i are vals[off[i]..off[i+1]). */
  function decodeColumn(column, n, width, multi) {
    var off = new Uint32Array(n + 1), vals = new Uint16Array(column.length / width + 1);
    var k = 0, i = 0, p = 0, len = column.length;
    if (multi) {
      while (p <= len && i < n) {
        off[i] = k;
        while (p < len && column.charCodeAt(p) !== 44) {
          var v = 0;
          for (var w = 0; w < width; w++) v = v * 62 + CODE[column.charCodeAt(p++)];
          vals[k++] = v;
        }
        p++;
        i++;
      }
    } else {
      for (i = 0; i < n; i++) {
        off[i] = k;
        if (p < len && column.charCodeAt(p) !== 126) {
          var s = 0;
          for (var x = 0; x < width; x++) s = s * 62 + CODE[column.charCodeAt(p + x)];
          vals[k++] = s;
        }
        p += width;
      }
    }
    for (; i <= n; i++) off[i] = k;
    return { off: off, vals: vals };
  }

  function decodeFacets(manifest, data) {
    var n = manifest.count;
    var out = { columns: [], accepting: new Uint8Array(n), tz: null };
    manifest.facets.forEach(function (f) {
      out.columns.push(decodeColumn(data.columns[f.key] || "", n, f.width, f.multi));
    });
    for (var i = 0; i < n; i++) out.accepting[i] = data.accepting.charCodeAt(i) === 49 ? 1 : 0;
    out.tz = decodeColumn(data.tz || "", n, manifest.zoneWidth || 1, false);
    out.slugs = data.slugs || null;
    applyLive(out, window.mentorsiteAvailability);
    return out;
  }

  /* The receiver's live state (site.js publishes the mentors not taking requests now, slug ->
     state): such mentors stop counting as accepting. Only sites with a receiver have `slugs`.
     True when it changed a mentor. */
  function applyLive(fd, notTaking) {
    var changed = false;
    if (!fd || !fd.slugs || !notTaking) return false;
    for (var i = 0; i < fd.slugs.length; i++) {
      if (fd.accepting[i] && Object.prototype.hasOwnProperty.call(notTaking, fd.slugs[i])) {
        fd.accepting[i] = 0;
        changed = true;
      }
    }
    return changed;
  }

  /* Posting string -> ordinals and weights: a weight digit, then the ordinal's distance from
     the previous one in base 26 ("a" = 0). */
  Index.prototype.posting = function (prefix, token) {
    var key = prefix + "\u0000" + token;
    var hit = this.postings[key];
    if (hit) return hit;
    var s = this.loaded[prefix][token], ords = [], weights = [], ord = -1, i = 0;
    while (i < s.length) {
      var weight = s.charCodeAt(i++) - 48, delta = 0;
      while (i < s.length) {
        var c = s.charCodeAt(i);
        if (c < 97) break;
        delta = delta * 26 + (c - 97);
        i++;
      }
      ord += delta;
      ords.push(ord);
      weights.push(weight);
    }
    hit = this.postings[key] = { ords: ords, weights: weights };
    return hit;
  };

  /* ---------------------------------------------------------------- queries */

  Index.prototype.parse = function (q) {
    var self = this, text = this.text.normalise(q || ""), words = this.text.words(text);
    var open = words.length && /[\p{L}\p{N}\p{M}]$/u.test(text);
    var kept = [];
    words.forEach(function (w, i) {
      var last = open && i === words.length - 1;
      if (!self.stop.has(w) || last) {
        if (kept.indexOf(w) < 0) kept.push(w);
      }
    });
    return kept;
  };

  /* The shard of a word (search.py shard_key): its first characters, one for a CJK word. */
  Index.prototype.prefixOf = function (word) {
    var chars = Array.from(word);
    return chars.slice(0, this.text.isCjk(chars[0]) ? 1 : this.manifest.prefix).join("");
  };

  /* Shards where a word's typo may live when its own shard has nothing close: a swap of
     the first two letters, or an extra first or second letter. */
  function typoPrefixes(word, size) {
    if (word.length < 4) return [];
    var out = [word[1] + word[0] + word.slice(2), word.slice(1), word[0] + word.slice(2)];
    return out.map(function (w) { return w.slice(0, size); });
  }

  /* Index tokens matching one query word: [[prefix, token, factor]], or the shards still to
     fetch (as {need: [...]}) when the answer depends on them. */
  Index.prototype.matchWord = function (word) {
    if (this.matches[word]) return this.matches[word];
    var self = this, own = this.prefixOf(word);
    if (!this.loaded[own]) return { need: [own] };
    var found = [], shard = this.loaded[own];
    for (var token in shard) {
      if (token === word) found.push([own, token, FACTOR_EXACT]);
      else if (token.lastIndexOf(word, 0) === 0) found.push([own, token, FACTOR_PREFIX]);
    }
    if (!found.length && word.length >= 4) {
      var prefixes = [own].concat(typoPrefixes(word, this.manifest.prefix).filter(function (p) {
        return p !== own && self.manifest.shards[p] !== undefined;
      }));
      var need = prefixes.filter(function (p) { return !self.loaded[p]; });
      if (need.length) return { need: need };
      var seen = {};
      prefixes.forEach(function (p) {
        if (seen[p]) return;
        seen[p] = true;
        for (var t in self.loaded[p]) {
          if (t.length >= 3 && nearWord(word, t)) found.push([p, t, FACTOR_TYPO]);
        }
      });
    }
    this.matches[word] = found;
    return found;
  };

  /* Text relevance: {ords: [...]} of the mentors matching every word, best first, {need: [...]}
     if shards are missing, or null for an empty query. */
  Index.prototype.textScores = function (words) {
    if (!words.length) return null;
    var key = words.join(" ");
    if (this.textCache.has(key)) return this.textCache.get(key);
    var n = this.manifest.count, need = [], perWord = [];
    for (var w = 0; w < words.length; w++) {
      var m = this.matchWord(words[w]);
      if (m.need) need = need.concat(m.need);
      else perWord.push(m);
    }
    if (need.length) return { need: need };
    var total = new Float64Array(n), hits = new Uint8Array(n), best = new Float64Array(n);
    for (w = 0; w < perWord.length; w++) {
      var touched = [];
      for (var t = 0; t < perWord[w].length; t++) {
        var match = perWord[w][t], p = this.posting(match[0], match[1]);
        for (var k = 0; k < p.ords.length; k++) {
          var o = p.ords[k], s = p.weights[k] * match[2];
          if (best[o] === 0) touched.push(o);
          if (s > best[o]) best[o] = s;
        }
      }
      for (k = 0; k < touched.length; k++) {
        o = touched[k];
        total[o] += best[o];
        hits[o]++;
        best[o] = 0;
      }
    }
    var ords = [];
    for (var i = 0; i < n; i++) if (hits[i] === perWord.length) ords.push(i);
    // Best first; equal scores keep directory order (accepting mentors first, then by name).
    ords.sort(function (x, y) { return total[y] - total[x] || x - y; });
    var result = { ords: ords };
    if (this.textCache.size >= 24) this.textCache.delete(this.textCache.keys().next().value);
    this.textCache.set(key, result);
    return result;
  };

  /* The whole query: text, then filters (OR within a facet, AND across), with the live count
     of every value under the OTHER active filters (and the text). */
  Index.prototype.run = function (state) {
    var m = this.manifest, n = m.count, fd = this.facetData;
    var text = this.textScores(this.parse(state.q));
    if (text && text.need) return text;
    var facets = m.facets, active = [];
    facets.forEach(function (f, fi) {
      var chosen = state.filters[f.key];
      if (chosen && chosen.length) {
        var mask = new Uint8Array(f.values.length);
        chosen.forEach(function (key) { if (f.index[key] !== undefined) mask[f.index[key]] = 1; });
        active.push({ fi: fi, mask: mask });
      }
    });
    var filtering = active.length > 0 || state.accepting;
    if (!fd && filtering) return { need: ["facets"] };
    var candidates = text ? text.ords : null;
    var total = candidates ? candidates.length : n;
    var counts = fd ? facets.map(function (f) { return new Uint32Array(f.values.length); }) : null;
    var acceptingCount = 0, results = [];
    var ACC = -2;
    for (var c = 0; c < total; c++) {
      var i = candidates ? candidates[c] : c;
      if (!fd) {
        results.push(i);
        continue;
      }
      var fails = 0, failed = -1;
      for (var a = 0; a < active.length && fails < 2; a++) {
        var col = fd.columns[active[a].fi], mask = active[a].mask, ok = false;
        for (var k = col.off[i]; k < col.off[i + 1]; k++) {
          if (mask[col.vals[k]]) { ok = true; break; }
        }
        if (!ok) { fails++; failed = active[a].fi; }
      }
      if (state.accepting && !fd.accepting[i]) { fails++; failed = ACC; }
      if (fails === 0) {
        results.push(i);
        for (var f = 0; f < facets.length; f++) {
          var colf = fd.columns[f], cf = counts[f];
          for (k = colf.off[i]; k < colf.off[i + 1]; k++) cf[colf.vals[k]]++;
        }
        if (fd.accepting[i]) acceptingCount++;
      } else if (fails === 1 && failed !== ACC) {
        // Fails only this facet's filter: counts towards its values (a mentor who fails only
        // "accepting" is not accepting, so adds nothing there).
        var colx = fd.columns[failed], cx = counts[failed];
        for (k = colx.off[i]; k < colx.off[i + 1]; k++) cx[colx.vals[k]]++;
      }
    }
    return { ords: results, counts: counts, accepting: acceptingCount };
  };

  /* ---------------------------------------------------------------- cards */

  /* A list item holding a mentor's card: the markup the build rendered from _card.html for the
     static pages (search.py `_record`), so a site's override of that template shows here too.
     Nothing here builds markup from record text. */
  function cardItem(record) {
    var item = document.createElement("li");
    item.innerHTML = record.card;
    return item;
  }

  Index.prototype.cardItems = function (ords) {
    var list = document.createDocumentFragment();
    for (var i = 0; i < ords.length; i++) list.appendChild(cardItem(this.record(ords[i])));
    return list;
  };

  /* ---------------------------------------------------------------- directory */

  function emptyState() {
    return { q: "", filters: {}, accepting: false };
  }

  function isEmpty(state) {
    if (state.q.trim() || state.accepting) return false;
    for (var k in state.filters) if (state.filters[k].length) return false;
    return true;
  }

  function Directory(results, index) {
    this.results = results;
    this.index = index;
    this.cards = document.getElementById("cards");
    this.count = document.getElementById("result-count");
    this.form = document.getElementById("search-form");
    this.input = document.getElementById("q");
    this.sidebar = document.querySelector("aside.sidebar");
    this.pagination = results.querySelector("nav.pagination");
    this.emptyNote = results.querySelector("p.empty");
    this.directoryPath = new URL(results.getAttribute("data-directory"), location.href).pathname;
    this.initialPath = location.pathname;
    this.staticCards = this.cards.innerHTML;
    this.staticCount = this.count.innerHTML;
    this.state = emptyState();
    this.shown = PAGE;
    this.seq = 0;
    this.typingPushed = false;
    this.urlTimer = 0;
    this.fetchTimer = 0;
    this.showingStatic = true;
  }

  Directory.prototype.start = function () {
    var self = this;
    this.state = this.readUrl();
    this.buildPanel();
    this.bindSearch();
    this.applyStateToControls();
    window.addEventListener("popstate", function () {
      self.state = self.readUrl();
      self.typingPushed = false;
      self.applyStateToControls();
      self.update("history");
    });
    // The facet columns (the largest index file) load when the filter panel is about to be used,
    // or just after the first search results are on screen, never before them.
    var warm = function () { self.index.facets().catch(function () {}); };
    ["focusin", "pointerover", "touchstart"].forEach(function (type) {
      self.panel.addEventListener(type, warm, { once: true, passive: true });
    });
    if (!isEmpty(this.state)) this.update("load");
    this.results.setAttribute("data-search-ready", "true");
  };

  Directory.prototype.readUrl = function () {
    var params = new URLSearchParams(location.search), state = emptyState(), m = this.index.manifest;
    state.q = params.get("q") || "";
    state.accepting = ["1", "true", "yes", "on"].indexOf((params.get("accepting") || "").toLowerCase()) >= 0;
    m.facets.forEach(function (f) {
      var chosen = [];
      params.getAll(f.key).forEach(function (raw) {
        raw.split(",").forEach(function (key) {
          if (f.index[key] !== undefined && chosen.indexOf(key) < 0) chosen.push(key);
        });
      });
      if (chosen.length) state.filters[f.key] = chosen;
    });
    return state;
  };

  Directory.prototype.query = function () {
    var params = new URLSearchParams(), state = this.state;
    if (state.q.trim()) params.set("q", state.q.trim());
    if (state.accepting) params.set("accepting", "1");
    this.index.manifest.facets.forEach(function (f) {
      var chosen = state.filters[f.key] || [];
      f.values.forEach(function (v) {
        if (chosen.indexOf(v[0]) >= 0) params.append(f.key, v[0]);
      });
    });
    var s = params.toString();
    return s ? "?" + s : "";
  };

  Directory.prototype.writeUrl = function (push) {
    var target = isEmpty(this.state) ? this.directoryPath : this.directoryPath + this.query();
    if (location.pathname + location.search === target) return;
    if (push) history.pushState(null, "", target);
    else history.replaceState(null, "", target);
  };

  Directory.prototype.bindSearch = function () {
    var self = this;
    if (!this.input) return;
    this.input.addEventListener("input", function () {
      self.state.q = self.input.value;
      self.update("input");
      clearTimeout(self.urlTimer);
      self.urlTimer = setTimeout(function () {
        self.writeUrl(!self.typingPushed);
        self.typingPushed = true;
      }, 350);
    });
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.state.q = self.input.value;
        clearTimeout(self.urlTimer);
        self.writeUrl(!self.typingPushed);
        self.typingPushed = true;
        self.update("submit");
      });
    }
  };

  /* Filter panel: one fieldset per facet, real checkboxes, counts described by id. */
  Directory.prototype.buildPanel = function () {
    var self = this, m = this.index.manifest;
    var panel = document.createElement("form");
    panel.className = "filters";
    panel.id = "filters";
    panel.setAttribute("aria-labelledby", "filters-title");
    panel.addEventListener("submit", function (e) { e.preventDefault(); });
    var html = '<h2 id="filters-title" class="filters-title">' + escapeHtml(_("Filter mentors")) + "</h2>";
    html += '<fieldset class="filter-group"><legend>' + escapeHtml(_("Availability")) + '</legend><ul class="filter-values">' +
      '<li class="filter-value"><input type="checkbox" id="f-accepting" name="accepting" value="1" aria-describedby="c-accepting">' +
      '<label for="f-accepting">' + escapeHtml(_("Accepting mentees only")) + '</label> <span class="count" id="c-accepting">' +
      countHtml(m.accepting) + "</span></li></ul></fieldset>";
    m.facets.forEach(function (f) {
      if (!f.values.length) return;
      html += '<fieldset class="filter-group" data-facet="' + escapeHtml(f.key) + '"><legend>' + escapeHtml(f.label) +
        '</legend><ul class="filter-values" id="fv-' + escapeHtml(f.key) + '">';
      f.values.forEach(function (v, vi) {
        var id = "f-" + f.key + "-" + vi;
        html += '<li class="filter-value' + (vi >= 8 ? " extra" : "") + '"' + (vi >= 8 ? " hidden" : "") + '>' +
          '<input type="checkbox" id="' + escapeHtml(id) + '" name="' + escapeHtml(f.key) + '" value="' + escapeHtml(v[0]) +
          '" aria-describedby="c-' + escapeHtml(id) + '"><label for="' + escapeHtml(id) + '">' + escapeHtml(v[1]) +
          '</label> <span class="count" id="c-' + escapeHtml(id) + '">' + countHtml(v[2]) + "</span></li>";
      });
      html += "</ul>";
      if (f.values.length > 8) {
        html += '<button type="button" class="link-button filter-more" aria-expanded="false" aria-controls="fv-' +
          escapeHtml(f.key) + '">' + showAll(f.values.length, f.label) + "</button>";
      }
      html += "</fieldset>";
    });
    panel.innerHTML = html;
    this.panel = panel;

    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button button-secondary filters-toggle";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", "filters");
    toggle.textContent = _("Filters");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("is-open", open);
    });

    var aside = this.sidebar;
    if (aside) {
      Array.prototype.forEach.call(aside.children, function (child) { child.hidden = true; });
      aside.setAttribute("aria-label", _("Filter mentors"));
      aside.classList.add("has-filters");
      aside.appendChild(toggle);
      aside.appendChild(panel);
      // Filters come before the results in keyboard order (CSS keeps them in the right column).
      if (aside.parentNode === this.results.parentNode) {
        aside.parentNode.insertBefore(aside, this.results);
        aside.parentNode.classList.add("has-filter-panel");
      }
    } else {
      this.results.parentNode.insertBefore(panel, this.results);
    }

    // Active filters (removable chips) and "Clear all", above the results.
    var active = document.createElement("div");
    active.className = "active-filters";
    active.hidden = true;
    active.innerHTML = '<h3 class="visually-hidden" id="active-title">' + escapeHtml(_("Active filters")) + "</h3>" +
      '<ul class="filter-chips" aria-labelledby="active-title"></ul>' +
      '<button type="button" class="link-button clear-all">' + escapeHtml(_("Clear all")) + "</button>";
    this.count.parentNode.insertBefore(active, this.count.nextSibling);
    this.active = active;
    active.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.classList.contains("clear-all")) {
        self.state = emptyState();
        self.applyStateToControls();
        self.changed(true);
        if (self.input) self.input.focus();
        return;
      }
      var facet = button.getAttribute("data-facet"), value = button.getAttribute("data-value");
      var item = button.parentNode, next = item.nextElementSibling || item.previousElementSibling;
      var nextKey = next ? [next.firstChild.getAttribute("data-facet"), next.firstChild.getAttribute("data-value")] : null;
      if (facet === "accepting") self.state.accepting = false;
      else self.state.filters[facet] = (self.state.filters[facet] || []).filter(function (v) { return v !== value; });
      self.applyStateToControls();
      self.changed(true);
      var target = nextKey && active.querySelector('button[data-facet="' + cssEscape(nextKey[0]) + '"][data-value="' +
        cssEscape(nextKey[1]) + '"]');
      (target || (self.input || active.querySelector(".clear-all"))).focus();
    });

    var none = document.createElement("p");
    none.className = "empty no-results";
    none.hidden = true;
    none.textContent = _("No mentors match all of these choices. Remove a filter or try other words.");
    this.cards.parentNode.insertBefore(none, this.cards.nextSibling);
    this.noResults = none;

    // "Show more" button below the cards.
    var more = document.createElement("button");
    more.type = "button";
    more.className = "button button-secondary show-more";
    more.hidden = true;
    this.cards.parentNode.insertBefore(more, this.cards.nextSibling);
    this.more = more;
    more.addEventListener("click", function () {
      var before = self.shown;
      self.shown += PAGE;
      self.update("more", before);
    });

    panel.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "checkbox") return;
      if (input.name === "accepting") self.state.accepting = input.checked;
      else {
        var list = (self.state.filters[input.name] || []).filter(function (v) { return v !== input.value; });
        if (input.checked) list.push(input.value);
        self.state.filters[input.name] = list;
      }
      self.changed(true);
    });
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("button.filter-more");
      if (!button) return;
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      var list = document.getElementById(button.getAttribute("aria-controls"));
      Array.prototype.forEach.call(list.querySelectorAll(".extra"), function (li) {
        li.hidden = !open && !li.querySelector("input").checked;
      });
      button.firstChild.nodeValue = open ? _("Show fewer") : _("Show all %(count)s", { count: list.children.length });
    });
  };

  function countHtml(n) {
    return n + '<span class="visually-hidden"> ' + escapeHtml(ngettext("mentor", "mentors", n)) + "</span>";
  }

  /* "Show all 16", and for screen readers which options: the visible words first, as a text node
     of their own (the toggle rewrites it). */
  function showAll(n, label) {
    return escapeHtml(_("Show all %(count)s", { count: n })) + '<span class="visually-hidden"> ' +
      escapeHtml(_("%(facet)s options", { facet: label })) + "</span>";
  }

  function cssEscape(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
  }

  Directory.prototype.changed = function (push) {
    clearTimeout(this.urlTimer);
    this.typingPushed = false;
    this.writeUrl(push);
    this.update("filter");
  };

  Directory.prototype.applyStateToControls = function () {
    var state = this.state;
    if (this.input && this.input.value !== state.q) this.input.value = state.q;
    var boxes = this.panel.querySelectorAll("input[type=checkbox]");
    Array.prototype.forEach.call(boxes, function (box) {
      box.checked = box.name === "accepting" ? state.accepting : (state.filters[box.name] || []).indexOf(box.value) >= 0;
      if (box.checked) box.closest("li").hidden = false;
    });
    this.renderChips();
  };

  Directory.prototype.renderChips = function () {
    var state = this.state, m = this.index.manifest, html = "";
    if (state.accepting) {
      html += chip("accepting", "1", _("Accepting mentees only"));
    }
    m.facets.forEach(function (f) {
      (state.filters[f.key] || []).forEach(function (key) {
        html += chip(f.key, key, _("%(facet)s: %(value)s", { facet: f.label, value: f.values[f.index[key]][1] }));
      });
    });
    this.active.querySelector("ul").innerHTML = html;
    this.active.hidden = !html && !state.q.trim();
  };

  function chip(facet, value, text) {
    return '<li><button type="button" class="filter-chip" data-facet="' + escapeHtml(facet) + '" data-value="' +
      escapeHtml(value) + '"><span class="visually-hidden">' + escapeHtml(_("Remove filter ")) + "</span>" + escapeHtml(text) +
      ' <span aria-hidden="true">×</span></button></li>';
  }

  /* Recompute and render. Runs at once when everything needed is in memory; otherwise fetches
     the missing pieces (debounced while typing) and runs again when they arrive. */
  Directory.prototype.update = function (reason, keepFrom) {
    var self = this, seq = ++this.seq, index = this.index;
    if (reason !== "more") this.shown = PAGE;
    if (isEmpty(this.state) && location.pathname === this.initialPath) {
      this.restoreStatic();
      return;
    }
    var started = performance.now();
    var result = index.run(this.state);
    this.computeMs = performance.now() - started;
    if (result.need) {
      clearTimeout(this.fetchTimer);
      var fetchAll = function () {
        var jobs = result.need.map(function (p) { return p === "facets" ? index.facets() : index.shard(p); });
        Promise.all(jobs).then(function () {
          if (seq === self.seq) self.update(reason, keepFrom);
        }, function () { self.failed(); });
      };
      if (reason === "input") this.fetchTimer = setTimeout(fetchAll, 60);
      else fetchAll();
      return;
    }
    var visible = result.ords.slice(0, this.shown);
    var missing = index.missingChunks(visible);
    if (missing) {
      this.results.setAttribute("aria-busy", "true");
      Promise.all(missing.map(function (c) { return index.chunk(c); })).then(function () {
        if (seq === self.seq) self.render(result, visible, keepFrom);
      }, function () { self.failed(); });
      return;
    }
    this.render(result, visible, keepFrom);
  };

  Directory.prototype.failed = function () {
    this.seq++;
    this.showingStatic = false;
    this.restoreStatic();
    this.count.textContent = _("Search is unavailable right now; the directory pages still list every mentor.");
  };

  Directory.prototype.restoreStatic = function () {
    if (!this.showingStatic) {
      this.cards.innerHTML = this.staticCards;
      this.count.innerHTML = this.staticCount;
      if (this.pagination) this.pagination.hidden = false;
      if (this.emptyNote) this.emptyNote.hidden = false;
      this.more.hidden = true;
      this.noResults.hidden = true;
      this.showingStatic = true;
    }
    this.results.removeAttribute("aria-busy");
    this.updateCounts(null);
    this.renderChips();
    this.rendered();
  };

  Directory.prototype.render = function (result, visible, keepFrom) {
    var index = this.index, start = keepFrom ? keepFrom : 0;
    if (start && !this.showingStatic) {
      this.cards.appendChild(index.cardItems(visible.slice(start)));
      var first = this.cards.children[start];
      var link = first && (first.querySelector("h3 a") || first.querySelector("a[href]"));
      if (link) link.focus();
    } else {
      this.cards.textContent = "";
      this.cards.appendChild(index.cardItems(visible));
    }
    this.showingStatic = false;
    if (this.pagination) this.pagination.hidden = true;
    if (this.emptyNote) this.emptyNote.hidden = true;
    this.count.textContent = plural(result.ords.length);
    this.noResults.hidden = result.ords.length > 0;
    var rest = result.ords.length - visible.length;
    this.more.hidden = rest <= 0;
    if (rest > 0) {
      var next = Math.min(PAGE, rest);
      this.more.textContent = _("Show %(count)s more", { count: next });
      this.more.setAttribute("aria-label", ngettext("Show %(count)s more mentor (%(shown)s of %(total)s shown)",
        "Show %(count)s more mentors (%(shown)s of %(total)s shown)", next,
        { count: next, shown: visible.length, total: result.ords.length }));
    }
    this.results.removeAttribute("aria-busy");
    this.renderChips();
    this.updateCounts(result);
    this.rendered();
    if (!index.facetData) {
      // Live counts need the facet columns: results first, counts as soon as they arrive.
      var self = this, seq = this.seq;
      this.panel.setAttribute("aria-busy", "true");
      index.facets().then(function () {
        if (seq === self.seq) self.updateCounts(index.run(self.state));
      }, function () {});
    }
  };

  Directory.prototype.rendered = function () {
    this.results.setAttribute("data-search-state", this.query());
    document.dispatchEvent(new CustomEvent("mentorsite:results", { detail: { state: this.query(), computeMs: this.computeMs || 0 } }));
  };

  /* Live counts next to every value; zero-count values are disabled unless checked. */
  Directory.prototype.updateCounts = function (result) {
    var m = this.index.manifest, panel = this.panel;
    if (!result && isEmpty(this.state)) {
      result = { counts: m.facets.map(function (f) { return f.values.map(function (v) { return v[2]; }); }), accepting: m.accepting };
    }
    if (!result || !result.counts) return;
    panel.removeAttribute("aria-busy");
    setCount(panel, "f-accepting", "c-accepting", result.accepting);
    m.facets.forEach(function (f, fi) {
      for (var vi = 0; vi < f.values.length; vi++) {
        var id = "f-" + f.key + "-" + vi;
        setCount(panel, id, "c-" + id, result.counts[fi][vi]);
      }
    });
  };

  function setCount(panel, inputId, countId, n) {
    var input = document.getElementById(inputId), count = document.getElementById(countId);
    if (!input || !count) return;
    if (count.getAttribute("data-n") !== String(n)) {
      count.setAttribute("data-n", String(n));
      count.innerHTML = countHtml(n);
    }
    var disabled = n === 0 && !input.checked;
    if (input.disabled !== disabled) {
      input.disabled = disabled;
      input.closest("li").classList.toggle("is-empty", disabled);
    }
  }

  /* ---------------------------------------------------------------- matching */

  function offsetMinutes(zone, when) {
    try {
      var part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
        .formatToParts(when).filter(function (p) { return p.type === "timeZoneName"; })[0].value;
      var m = /GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?/.exec(part);
      if (!m || !m[1]) return 0;
      return (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3] || "0", 10));
    } catch (e) {
      return null;
    }
  }

  function Matcher(form, index) {
    this.form = form;
    this.index = index;
    this.list = document.getElementById("matches");
    this.status = document.getElementById("match-count");
    this.section = document.getElementById("match-results");
    this.browse = document.getElementById("match-browse");
  }

  Matcher.prototype.start = function () {
    var self = this, form = this.form;
    form.hidden = false;
    var tz = form.querySelector("select[name=tz]"), now = new Date();
    if (tz) {
      Array.prototype.forEach.call(tz.options, function (option) {
        var minutes = option.value ? offsetMinutes(option.value, now) : null;
        if (minutes === null) return;
        var abs = Math.abs(minutes), hh = String(Math.floor(abs / 60)), mm = String(abs % 60);
        option.textContent += " (UTC" + (minutes < 0 ? "−" : "+") + (hh.length < 2 ? "0" : "") + hh + ":" +
          (mm.length < 2 ? "0" : "") + mm + ")";
      });
    }
    if (tz && !tz.value) {
      try {
        var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (mine && tz.querySelector('option[value="' + cssEscape(mine) + '"]')) tz.value = mine;
      } catch (e) { /* no Intl time zone: leave "anywhere" */ }
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.section.hidden = false;
      var ans = self.answers();
      if (!ans.topics.length && !ans.format && !ans.language && !ans.tz && !ans.cadence) {
        self.list.innerHTML = "";
        self.status.textContent = _("Choose at least one topic or preference to get suggestions.");
        return;
      }
      self.status.textContent = _("Finding your matches…");
      self.index.facets().then(function () { self.match(); }, function () {
        self.status.textContent = _("Matching is unavailable right now; please browse the directory.");
      });
    });
    form.setAttribute("data-match-ready", "true");
  };

  Matcher.prototype.answers = function () {
    var form = this.form, get = function (name) {
      var el = form.elements[name];
      return el && el.value ? el.value : "";
    };
    return {
      topics: Array.prototype.filter.call(form.querySelectorAll("input[name=topic]"), function (b) { return b.checked; })
        .map(function (b) { return b.value; }),
      format: get("format"),
      language: get("language"),
      tz: get("tz"),
      cadence: get("cadence"),
    };
  };

  function facetOfField(manifest, field) {
    for (var i = 0; i < manifest.facets.length; i++) if (manifest.facets[i].field === field) return i;
    return -1;
  }

  /* Score every accepting mentor: topics 3 each, language required when chosen, format 2,
     time zone 3 same / 2 within two hours / 1 same region, cadence 1. Ties: directory order. */
  Index.prototype.matchScores = function (ans, now) {
    var m = this.manifest, fd = this.facetData, n = m.count;
    var tags = facetOfField(m, "tags"), formats = facetOfField(m, "formats"), langs = facetOfField(m, "languages"),
      cadence = facetOfField(m, "cadence");
    function wanted(fi, keys) {
      if (fi < 0) return null;
      var mask = new Uint8Array(m.facets[fi].values.length), any = false;
      keys.forEach(function (k) {
        var vi = m.facets[fi].index[k];
        if (vi !== undefined) { mask[vi] = 1; any = true; }
      });
      return any ? mask : null;
    }
    var topicMask = wanted(tags, ans.topics), formatMask = wanted(formats, ans.format ? [ans.format] : []),
      langMask = wanted(langs, ans.language ? [ans.language] : []),
      cadenceMask = wanted(cadence, ans.cadence ? [ans.cadence] : []);
    var zoneOffsets = m.zones.map(function (z) { return offsetMinutes(z, now); });
    var mine = ans.tz ? offsetMinutes(ans.tz, now) : null, myArea = ans.tz ? ans.tz.split("/")[0] : "";
    function has(fi, mask, i) {
      var col = fd.columns[fi], hits = 0;
      for (var k = col.off[i]; k < col.off[i + 1]; k++) if (mask[col.vals[k]]) hits++;
      return hits;
    }
    var out = [];
    for (var i = 0; i < n; i++) {
      if (!fd.accepting[i]) continue;
      var score = 0, why = [];
      if (langMask) {
        if (!has(langs, langMask, i)) continue;
        score += 3;
        why.push(_("speaks %(language)s", { language: m.facets[langs].values[m.facets[langs].index[ans.language]][1] }));
      }
      if (topicMask) {
        var k = has(tags, topicMask, i);
        if (k) {
          score += 3 * k;
          why.unshift(ans.topics.length === 1 ? _("covers your topic") :
            ngettext("%(count)s of your topics", "%(count)s of your topics", k, { count: k }));
        }
      }
      if (formatMask && has(formats, formatMask, i)) {
        score += 2;
        var label = i18n.inSentence(m.facets[formats].values[m.facets[formats].index[ans.format]][1]);
        // "offers group mentoring", but "offers reverse mentoring": the label may name it already.
        why.push(lower(label).indexOf(lower(_("mentoring"))) >= 0 ? _("offers %(format)s", { format: label }) :
          _("offers %(format)s mentoring", { format: label }));
      }
      if (ans.tz) {
        var zc = fd.tz.off[i] < fd.tz.off[i + 1] ? fd.tz.vals[fd.tz.off[i]] : -1;
        if (zc >= 0) {
          var theirs = zoneOffsets[zc];
          if (mine !== null && theirs !== null && theirs === mine) { score += 3; why.push(_("same time zone")); }
          else if (mine !== null && theirs !== null && Math.abs(theirs - mine) <= 120) {
            score += 2;
            why.push(_("time zone within 2 hours"));
          } else if (m.zones[zc].split("/")[0] === myArea) { score += 1; why.push(_("same region")); }
        }
      }
      if (cadenceMask && has(cadence, cadenceMask, i)) {
        score += 1;
        why.push(_("meets %(cadence)s", { cadence: lower(m.facets[cadence].values[m.facets[cadence].index[ans.cadence]][1]) }));
      }
      if (score > 0) out.push({ ord: i, score: score, why: why });
    }
    out.sort(function (x, y) { return y.score - x.score || x.ord - y.ord; });
    return out;
  };

  Matcher.prototype.match = function () {
    var self = this, index = this.index, ans = this.answers();
    var ranked = index.matchScores(ans, new Date());
    var top = ranked.slice(0, 10);
    var missing = index.missingChunks(top.map(function (r) { return r.ord; })) || [];
    Promise.all(missing.map(function (c) { return index.chunk(c); })).then(function () {
      var items = document.createDocumentFragment();
      top.forEach(function (r) {
        var why = listFormat ? listFormat.format(r.why) : r.why.join(", "), item = cardItem(index.record(r.ord));
        var reason = document.createElement("p"), hidden = document.createElement("span");
        item.className = "match";
        reason.className = "match-why";
        hidden.className = "visually-hidden";
        hidden.textContent = _("Why this match: ");
        reason.append(hidden, why.charAt(0).toLocaleUpperCase(i18n.lang) + why.slice(1));
        item.prepend(reason);
        items.appendChild(item);
      });
      self.list.textContent = "";
      self.list.appendChild(items);
      if (!ranked.length) {
        self.status.textContent = _("No accepting mentor matches these answers yet. Try fewer or other answers.");
      } else if (ranked.length > top.length) {
        self.status.textContent = ngettext("Your top %(top)s of %(count)s mentor who match",
          "Your top %(top)s of %(count)s mentors who match", ranked.length, { top: top.length, count: ranked.length });
      } else {
        self.status.textContent = ngettext("%(count)s mentor matched", "%(count)s mentors matched", ranked.length,
          { count: ranked.length });
      }
      if (self.browse) {
        var m = index.manifest, params = new URLSearchParams();
        params.set("accepting", "1");
        var tagsAt = facetOfField(m, "tags"), langAt = facetOfField(m, "languages");
        if (tagsAt >= 0) ans.topics.forEach(function (t) { params.append(m.facets[tagsAt].key, t); });
        if (langAt >= 0 && ans.language) params.append(m.facets[langAt].key, ans.language);
        self.browse.href = self.browse.getAttribute("data-directory") + "?" + params.toString();
      }
      self.form.setAttribute("data-matched", String(ranked.length));
      document.dispatchEvent(new CustomEvent("mentorsite:matches", { detail: { count: ranked.length } }));
    }, function () {
      self.status.textContent = _("Matching is unavailable right now; please browse the directory.");
    });
  };

  /* ---------------------------------------------------------------- start */

  var host = document.querySelector("[data-search-index]");
  if (!host || !window.fetch || !window.URLSearchParams || !window.history.pushState) return;
  var index = new Index(host.getAttribute("data-search-index"));
  window.mentorsiteSearch = index;
  var directory = null;
  document.addEventListener("mentorsite:availability", function (event) {
    if (applyLive(index.facetData, event.detail) && directory && !isEmpty(directory.state)) directory.update("live");
  });
  index.load().then(function () {
    if (host.id === "results" && document.getElementById("cards")) {
      directory = new Directory(host, index);
      directory.start();
    }
    else if (host.id === "match-form") new Matcher(host, index).start();
  }, function () {
    // No index (e.g. opened from disk): the directory stays a plain list; say so on the match page.
    if (host.id === "match-form") {
      var note = document.createElement("p");
      note.className = "notice";
      note.textContent = _("The matcher could not load the mentor index. Please browse the directory instead.");
      host.parentNode.insertBefore(note, host);
    }
  });
})();
