/* podpub's player: enhances the page's <audio> element, which plays on its own without this
   script. Play/pause, ±15/30 s, position, speed, keyboard (k or space, j, l), position kept per
   episode, chapters and transcript that follow playback and seek on click, #t=90 or #t=1:30
   deep links; and the feed address's copy button. No framework, no requests of its own. */
(function () {
  "use strict";
  var BACK = 15, FORWARD = 30, SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var store = (function () {
    try { return window.localStorage; } catch (e) { return null; }
  })();

  function clock(seconds) {
    var t = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function parseTime(text) {
    var parts = String(text).split(":"), total = 0;
    if (parts.length > 3) return null;
    for (var i = 0; i < parts.length; i++) {
      if (!/^\d+(\.\d+)?$/.test(parts[i])) return null;
      total = total * 60 + parseFloat(parts[i]);
    }
    return total;
  }

  function hashTime() {
    var match = /^#(?:.*&)?t=([^&]+)/.exec(window.location.hash);
    return match ? parseTime(decodeURIComponent(match[1])) : null;
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function save(key, value) {
    try { if (store) store.setItem(key, value); } catch (e) { /* private mode, quota */ }
  }

  function enhance(root) {
    var audio = root.querySelector("audio"), words = root.dataset;
    var key = "podpub:position:" + words.id;
    var duration = parseFloat(words.duration) || 0, saved = -1;
    var controls = el("div", { "class": "controls", role: "group", "aria-label": words.lPlayer });
    var play = el("button", { type: "button", "class": "play", "aria-keyshortcuts": "k" }, words.lPlay);
    var back = el("button", { type: "button", "aria-label": words.lBack, "aria-keyshortcuts": "j" }, "−" + BACK);
    var forward = el("button", { type: "button", "aria-label": words.lForward, "aria-keyshortcuts": "l" }, "+" + FORWARD);
    var seek = el("input", { type: "range", "class": "seek", min: "0", max: String(duration), step: "any", value: "0", "aria-label": words.lPosition });
    var time = el("span", { "class": "time" });
    var label = el("label", {}, words.lSpeed + " ");
    var speed = el("select", { "class": "speed" });
    SPEEDS.forEach(function (rate) {
      var option = el("option", { value: String(rate) }, rate.toLocaleString(document.documentElement.lang) + "×");
      if (rate === 1) option.selected = true;
      speed.appendChild(option);
    });
    label.appendChild(speed);
    [seek, play, back, forward, time, label].forEach(function (node) { controls.appendChild(node); });
    root.appendChild(controls);
    audio.controls = false;
    audio.hidden = true;

    var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapters li[data-start]"));
    var cues = Array.prototype.slice.call(document.querySelectorAll(".cue[data-start]"));
    var box = document.querySelector(".transcript");

    function total() { return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : duration; }

    function mark(items, now, end) {
      var current = null;
      items.forEach(function (item) {
        var start = parseFloat(item.dataset.start);
        var stop = end ? parseFloat(item.dataset.end) : Infinity;
        if (start <= now + 0.05 && now < stop) current = item;
      });
      items.forEach(function (item) {
        var on = item === current, link = item.querySelector("a");
        item.classList.toggle("now", on);
        if (on) link.setAttribute("aria-current", "true"); else link.removeAttribute("aria-current");
      });
      return current;
    }

    var lastCue = null;
    function update() {
      var now = audio.currentTime, length = total();
      seek.max = String(length);
      seek.value = String(now);
      var text = clock(now) + " / " + clock(length);
      time.textContent = text;
      seek.setAttribute("aria-valuetext", clock(now) + " " + words.lOf + " " + clock(length));
      mark(chapters, now, false);
      var cue = mark(cues, now, true);
      if (cue && cue !== lastCue && box && !audio.paused) {
        box.scrollTop = cue.offsetTop - box.offsetTop - box.clientHeight / 3;
      }
      lastCue = cue;
      if (Math.abs(now - saved) >= 5) remember();
    }

    function remember() {
      saved = audio.currentTime;
      save(key, String(saved));
    }

    function jump(seconds) {
      audio.currentTime = Math.min(Math.max(0, seconds), total() || seconds);
      update();
    }

    function toggle() {
      if (audio.paused) { audio.play().catch(function () { /* the browser refused: no error */ }); } else { audio.pause(); }
    }

    function start() {
      var wanted = hashTime();
      if (wanted === null && store) {
        var kept = parseFloat(store.getItem(key));
        if (kept > 0 && kept < total() - 5) wanted = kept;
      }
      if (wanted !== null) jump(wanted);
      update();
    }

    play.addEventListener("click", toggle);
    back.addEventListener("click", function () { jump(audio.currentTime - BACK); });
    forward.addEventListener("click", function () { jump(audio.currentTime + FORWARD); });
    seek.addEventListener("input", function () { jump(parseFloat(seek.value)); });
    speed.addEventListener("change", function () {
      audio.playbackRate = parseFloat(speed.value);
      save("podpub:speed", speed.value);
    });
    audio.addEventListener("play", function () { play.textContent = words.lPause; });
    audio.addEventListener("pause", function () { play.textContent = words.lPlay; remember(); });
    audio.addEventListener("ended", function () { try { if (store) store.removeItem(key); } catch (e) { /* ignore */ } });
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("ratechange", function () { speed.value = String(audio.playbackRate); });
    window.addEventListener("pagehide", remember);
    window.addEventListener("hashchange", function () {
      var wanted = hashTime();
      if (wanted !== null) jump(wanted);
    });

    document.addEventListener("click", function (event) {
      var target = event.target.closest("a[href^='#t='], .cue");
      if (!target || event.defaultPrevented || event.button !== 0) return;
      if (event.target.closest("a") && !event.target.closest("a[href^='#t=']")) return;
      var link = target.matches("a") ? target : target.querySelector("a[href^='#t=']");
      var seconds = parseTime(link.getAttribute("href").slice(3));
      if (seconds === null) return;
      event.preventDefault();
      if (window.history.replaceState) window.history.replaceState(null, "", "#t=" + link.getAttribute("href").slice(3));
      jump(seconds);
      if (audio.paused) toggle();
    });

    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.altKey || event.ctrlKey || event.metaKey || target.isContentEditable) return;
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
      var key = event.key.toLowerCase();
      if (key === "k" || (key === " " && !/^(BUTTON|A|SUMMARY)$/.test(target.tagName))) toggle();
      else if (key === "j") jump(audio.currentTime - BACK);
      else if (key === "l") jump(audio.currentTime + FORWARD);
      else return;
      event.preventDefault();
    });

    var rate = store && parseFloat(store.getItem("podpub:speed"));
    if (rate && SPEEDS.indexOf(rate) >= 0) { speed.value = String(rate); audio.playbackRate = rate; }
    document.documentElement.classList.add("js");
    if (audio.readyState >= 1) start(); else audio.addEventListener("loadedmetadata", start, { once: true });
    update();
  }

  function copyButton(box) {
    var input = box.querySelector("input");
    var button = el("button", { type: "button" }, box.dataset.lCopy);
    var status = el("span", { "class": "visually-hidden", role: "status" });
    button.addEventListener("click", function () {
      function done() {
        button.textContent = box.dataset.lCopied;
        status.textContent = box.dataset.lCopied;
        window.setTimeout(function () { button.textContent = box.dataset.lCopy; status.textContent = ""; }, 2000);
      }
      function fallback() { input.select(); if (document.execCommand("copy")) done(); }
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value).then(done, fallback);
      else fallback();
    });
    box.appendChild(button);
    box.appendChild(status);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".player"), enhance);
  Array.prototype.forEach.call(document.querySelectorAll(".copy"), copyButton);
})();
