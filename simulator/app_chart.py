"""Widgets the live view draws into: the day's feed, the network on a canvas, ECharts
charts and HTML text.

Everything a day changes crosses in one :class:`DayFeed` message, as JSON the browser
parses once and hands to each widget by its ``feed_key``. Solara's ``FigureEcharts``
takes the option as a Python dict: the page's renderer walks and compares every prop
value on every frame, and at 300 people that walk cost more than the whole simulated
day. ECharts itself comes from the copy that solara-assets installs and the Solara
server hands out under ``_solara/cdn`` (minified, so a cold page loads a third of the
bytes), so the page needs no internet connection.

The widgets' browser side is one ES module per page (:func:`browser_module_js`, sent
with the page's first widgets and imported once): no template is compiled in the
browser for them, which took a cold page about 0.3 s before its first picture.
"""

from __future__ import annotations

import json

import ipyvuetify
import traitlets

ECHARTS_VERSION = "5.4.0"  # the copy in solara-assets (share/solara/cdn/echarts@5.4.0)

#: What a widget fed by a DayFeed runs when mounted: take its part of every day shown from
#: now on, and of the day shown last (a widget mounted after the feed, or after a reload).
FEED_JS = """this.listener = (event) => {
      const part = this.feed_key ? event.detail[this.feed_key] : undefined;
      if (part !== undefined) this.take(part);
    };
    window.addEventListener("refsim-day", this.listener);
    if (window.refsimShown) this.listener({detail: window.refsimShown});"""

#: The page answers which day it has drawn at most this often (each answer is a message,
#: which Solara acknowledges with two more: about 7 ms of server CPU and 16 ms of the
#: browser's each, measured with one answer per picture).
ANSWER_EVERY_S = 1.0

#: A page that has had no live connection to the app for this long says so (a network
#: blip reconnects within a second or two, and says nothing).
LOST_AFTER_S = 3.0

#: The ES module that holds the browser side of every widget here, one copy per page.
#: Each widget's code is an options object (the *_JS strings below) with a render
#: function: the browser imports it once, where a template would be compiled in the
#: browser once per widget on the page (eight before the first picture, six charts after).
BROWSER_MODULE = "refsim-widgets"
#: Where a page keeps its copy of the module and the templates that point into it
#: (Solara's per-page store; a plain dict where no page is being served, as in tests).
PAGE_STORE_KEY = "refsim.app_chart"
_NO_PAGE_STORE: dict = {}


def browser_module_js() -> str:
    """The ES module: each BrowserWidget's options object (``js``) with its render function
    (``render``), exported under the class's name. Vue 3 calls beforeUnmount where Vue 2
    called beforeDestroy: both names are given."""
    parts = ['import { h } from "vue";',
             "const widget = (options, render) => Object.assign(options, {render}, "
             "options.beforeDestroy ? {beforeUnmount: options.beforeDestroy} : {});"]
    parts += [f"export const {cls.__name__} = widget({cls.js}, function () {{ {cls.render} }});" for cls in _browser_widgets()]
    return "\n".join(parts) + "\n"


def _browser_widgets() -> list[type]:
    return BrowserWidget.__subclasses__()


def _page_store() -> dict:
    from solara.server import kernel_context

    if kernel_context.has_current_context():
        return kernel_context.get_current_context().user_dicts.setdefault(PAGE_STORE_KEY, {})
    return _NO_PAGE_STORE


def browser_templates() -> dict:
    """This page's copy of BROWSER_MODULE (``"module"``) and, under each widget class's
    name, the ipyvue Template that points at its export: made together, once per page. A
    page should make them before any widget that uses them (``Page`` does): reacton closes
    the widgets made while it builds a widget when that widget leaves the page, and these
    are shared by every widget of the page. If any of them was closed (a page that closed
    its widgets, as tests do), all are made anew."""
    import ipyvue
    from ipyvue.esm import Module

    store = _page_store()
    names = [cls.__name__ for cls in _browser_widgets()]
    if any(getattr(store.get(key), "comm", None) is None for key in ["module", *names]):
        store["module"] = Module(name=BROWSER_MODULE, code=browser_module_js())
        for name in names:
            store[name] = ipyvue.Template(esm_module=BROWSER_MODULE, esm_export=name)
    return store


class BrowserWidget(ipyvuetify.VuetifyTemplate):
    """A widget whose browser side is an export of the page's ES module, under the
    class's name, precompiled: no template to compile in the browser. A subclass gives
    its Vue options object as JavaScript (``js``) and the body of its render function
    (``render``, with Vue's ``h``); its traits are the options object's data."""

    js = "{}"
    render = ""

    def __init__(self, **kwargs):
        kwargs.setdefault("template", browser_templates()[type(self).__name__])
        super().__init__(**kwargs)


DAY_FEED_JS = """{
  mounted() { this.publish(); this.watchConnection(); },
  beforeDestroy() {
    clearInterval(this.watchdog);
    const note = document.getElementById("refsim-lost");
    if (note) note.remove();
  },
  watch: {
    day() { this.publish(); },
  },
  methods: {
    watchConnection() {
      // a page whose server stopped or restarted kept showing its last day as "playing",
      // with buttons that did nothing, and no word of why (Solara's own notice did not
      // show): after LOST_AFTER ms without a live connection to the app, it says so
      let since = null;
      this.watchdog = setInterval(() => {
        const debug = window.solara && window.solara.debug;
        const kernel = debug && debug.kernel && debug.kernel();
        if (!kernel) return;
        const lost = kernel.connectionStatus !== "connected" || kernel.status === "dead";
        since = lost ? (since === null ? performance.now() : since) : null;
        this.showLost(since !== null && performance.now() - since >= %(lost_after)d);
      }, 500);
    },
    showLost(lost) {
      let note = document.getElementById("refsim-lost");
      if (!lost) {
        if (note) note.remove();
        return;
      }
      if (note) return;
      note = document.createElement("div");
      note.id = "refsim-lost";
      note.setAttribute("role", "alert");
      note.style.cssText = "position: fixed; top: 0; left: 0; right: 0; z-index: 100003; background: #b00020; " +
        "color: #ffffff; font-size: 1.1rem; font-weight: 600; padding: 10px 16px; text-align: center;";
      note.textContent = "The connection to the app is lost (its server stopped or restarted): this page is " +
        "frozen. Reload the page once the app runs again.";
      document.body.appendChild(note);
    },
    publish() {
      if (!this.day) return;
      const day = JSON.parse(this.day);
      // what every part shows now: a part a day leaves out (a chart between its pictures)
      // keeps what it showed
      window.refsimShown = Object.assign(window.refsimShown || {}, day);
      window.dispatchEvent(new CustomEvent("refsim-day", {detail: day}));
      if (day.seq !== undefined) this.answer(day.seq);
    },
    answer(seq) {
      // the newest day drawn, once the frame that draws it is on screen (after the
      // network's own frame callback), and at most once every %(every)d ms: each answer is
      // a message, and the server's busy/idle replies to it cost both ends a redraw
      this.latest = seq;
      if (this.answering) return;
      this.answering = true;
      const wait = Math.max(0, (this.answeredAt || -Infinity) + %(every)d - performance.now());
      setTimeout(() => window.requestAnimationFrame(() => {
        this.answering = false;
        this.answeredAt = performance.now();
        this.shown = this.latest;
      }), wait);
    },
  },
}""".replace("%(every)d", str(int(ANSWER_EVERY_S * 1000))).replace("%(lost_after)d", str(int(LOST_AFTER_S * 1000)))


class DayFeed(BrowserWidget):
    """Everything a day changes on the page, in one message: ``day`` is a JSON object
    whose keys are the ``feed_key`` of the HtmlText, NetworkPicture and EchartsJson
    widgets that show it (status line, cards, pictures and, when due, chart options).
    In the browser it is handed to those widgets as an event. Solara sends each widget's
    update as a message of its own, through the connection's event loop; at six
    messages a day they cost the server more than the day itself.

    Each day carries a number (``seq``). The browser answers in ``shown`` the newest day
    it has on screen, at most once every ANSWER_EVERY_S. While playing, the board keeps
    at most a window of days unanswered (:meth:`simulator.app.Board.update`): a browser
    that draws slower than the days come (a weak laptop, a projector PC, thirty pages
    on one machine) is sent fewer pictures, each of the current day, instead of a
    backlog that grows in the socket's buffers, shows days long gone, and holds back
    the server's pings until the connection is dropped."""

    js = DAY_FEED_JS
    render = 'return h("span", {style: "display: none"});'
    day = traitlets.Unicode("").tag(sync=True)
    #: The ``seq`` of the newest day the browser has drawn, as last answered (0: none yet).
    #: Not echoed back: the answer is for the server alone.
    shown = traitlets.Int(0).tag(sync=True, echo_update=False)


CHART_JS = """{
  mounted() {
    %(listen)s
    this.load().then((echarts) => {
      this.chart = echarts.init(this.$refs.chart);
      this.draw();
      this.observer = new ResizeObserver(() => this.chart && this.chart.resize());
      this.observer.observe(this.$refs.chart);
      // a chart mostly out of view (below the fold on a projector) is not redrawn until
      // it scrolls into view: drawing charts is most of what a page costs while playing
      this.seen = new IntersectionObserver((entries) => {
        this.visible = entries[entries.length - 1].intersectionRatio >= 0.25;
        if (this.visible && this.stale) this.draw();
      }, {threshold: [0, 0.25, 0.5, 1]});
      this.seen.observe(this.$refs.chart);
    });
  },
  created() {
    this.fed = null;
  },
  beforeDestroy() {
    window.removeEventListener("refsim-day", this.listener);
    if (this.observer) this.observer.disconnect();
    if (this.seen) this.seen.disconnect();
    if (this.chart) this.chart.dispose();
  },
  methods: {
    take(option) { this.fed = option; this.draw(); },
    draw() {
      if (!this.chart || !this.fed) return;
      this.stale = this.visible === false;
      if (this.stale) return;
      const option = this.fed;
      // a series may come as flat "xy" [x, y, x, y, ...] (simulator.app_pictures._series_of):
      // paired up here, which costs the server far less to encode than nested pairs
      for (const series of option.series || []) {
        if (!series.xy || series.data) continue;
        const xy = series.xy, data = new Array(xy.length / 2);
        for (let i = 0; i < data.length; i++) data[i] = [xy[2 * i], xy[2 * i + 1]];
        series.data = data;
      }
      this.chart.setOption(option, true);
    },
    cdn() {
      if (window.solara && window.solara.cdn) return window.solara.cdn;
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith("/")) base += "/";
      return base + "_solara/cdn";
    },
    load() {
      if (window.refsimEcharts) return window.refsimEcharts;
      const url = `${this.cdn()}/echarts@%(version)s/dist/echarts.min.js`;
      window.refsimEcharts = new Promise((resolve, reject) => {
        const ready = () => {
          try { define("vue", ["jupyter-vue"], (jupyterVue) => jupyterVue.Vue); } catch (error) { /* defined already */ }
          requirejs([url], (echarts) => resolve(echarts), reject);
        };
        if (window.requirejs) { ready(); return; }
        const script = document.createElement("script");
        script.src = `${this.cdn()}/requirejs@2.3.6/require.js`;
        script.onload = ready;
        script.onerror = reject;
        document.head.appendChild(script);
      });
      return window.refsimEcharts;
    },
  },
}""" % {"version": ECHARTS_VERSION, "listen": FEED_JS}


class EchartsJson(BrowserWidget):
    """An ECharts instance whose option arrives under ``feed_key`` in a :class:`DayFeed`'s
    day. A series may give its points as a flat ``xy`` list instead of ``data`` (the
    browser pairs them up)."""

    js = CHART_JS
    render = 'return h("div", {ref: "chart", ...(this.attributes || {})});'
    feed_key = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)


def option_json(option: dict) -> str:
    """Compact JSON of an ECharts option (no spaces: a network frame is tens of kB)."""
    return json.dumps(option, separators=(",", ":"))


HTML_JS = """{
  mounted() {
    %(listen)s
  },
  beforeDestroy() {
    window.removeEventListener("refsim-day", this.listener);
  },
  methods: {
    take(html) { this.$el.innerHTML = html; },
  },
}""" % {"listen": FEED_JS}


class HtmlText(BrowserWidget):
    """A div whose content is the HTML text a :class:`DayFeed`'s day holds under ``feed_key``."""

    js = HTML_JS
    render = 'return h("div", {class: this.html_class});'
    feed_key = traitlets.Unicode("").tag(sync=True)
    html_class = traitlets.Unicode("").tag(sync=True)  # not "css": VueTemplate uses that name for style sheets


NETWORK_JS = """{
  created() {
    this.fed = null;
  },
  mounted() {
    %(listen)s
    this.draw();
    this.observer = new ResizeObserver(() => this.schedule());
    this.observer.observe(this.$refs.box);
  },
  beforeDestroy() {
    window.removeEventListener("refsim-day", this.listener);
    if (this.observer) this.observer.disconnect();
  },
  watch: {
    points() { this.schedule(); },
  },
  methods: {
    take(picture) { this.fed = picture; this.schedule(); },
    schedule() {
      // one drawing per screen refresh: pictures that arrive faster than the browser
      // can draw them are skipped, and the newest is drawn
      if (this.pending) return;
      this.pending = true;
      window.requestAnimationFrame(() => { this.pending = false; this.draw(); });
    },
    draw() {
      const box = this.$refs.box, canvas = this.$refs.canvas;
      if (!box || !canvas || !this.fed || !this.points) return;
      const width = box.clientWidth, height = box.clientHeight;
      if (!width || !height) return;
      const ratio = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
        canvas.style.width = width + "px";
        canvas.style.height = height + "px";
      }
      if (this.pointsText !== this.points) {  // positions change once per run
        this.pointsText = this.points;
        this.xy = JSON.parse(this.points);
      }
      const style = this.look, picture = this.fed, xy = this.xy, codes = picture.codes;
      const span = style.grid * (1 + 2 * style.pad), shift = style.grid * style.pad;
      const x = (i) => (xy[2 * i] + shift) / span * width;
      const y = (i) => height - (xy[2 * i + 1] + shift) / span * height;  // y grows upwards
      const context = canvas.getContext("2d");
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, height);
      const [lineColour, lineWidth, lineOpacity] = style.line;
      context.globalAlpha = lineOpacity;
      context.strokeStyle = lineColour;
      context.lineWidth = lineWidth;
      context.beginPath();
      for (let k = 0; k < picture.links.length; k += 2) {
        context.moveTo(x(picture.links[k]), y(picture.links[k]));
        context.lineTo(x(picture.links[k + 1]), y(picture.links[k + 1]));
      }
      context.stroke();
      context.globalAlpha = 1;
      const groups = style.groups, rings = groups.length - 1;
      const zero = "0".charCodeAt(0), letter = "a".charCodeAt(0);
      const dot = (i, radius) => { context.moveTo(x(i) + radius, y(i)); context.arc(x(i), y(i), radius, 0, 2 * Math.PI); };
      // each group in its own pass, bottom to top, as the legend lists them
      for (let g = 0; g < rings; g++) {
        const [fill, ring, ringWidth] = groups[g];
        const radius = (this.dot + (ring ? 2 : 0)) / 2;
        context.beginPath();
        for (let i = 0; i < codes.length; i++) {
          const code = codes.charCodeAt(i);
          if (code - zero === g || code - letter === g) dot(i, radius);
        }
        if (fill !== "transparent") { context.fillStyle = fill; context.fill(); }
        if (ring) { context.strokeStyle = ring; context.lineWidth = ringWidth; context.stroke(); }
      }
      const [, initialRing, initialWidth] = groups[rings];
      context.beginPath();
      for (let i = 0; i < codes.length; i++) if (codes.charCodeAt(i) >= letter) dot(i, (this.dot + 2) / 2);
      context.strokeStyle = initialRing;
      context.lineWidth = initialWidth;
      context.stroke();
      if (!this.drawn) {
        this.drawn = true;  // once: the server then builds the page's controls
        // when the page's first picture was drawn, by the page's own clock (ms since it
        // began loading): the cold load bench/app_sessions.py reports
        if (window.refsimFirstPicture === undefined) window.refsimFirstPicture = performance.now();
      }
    },
  },
}""".replace("%(listen)s", FEED_JS)


class NetworkPicture(BrowserWidget):
    """The network drawn on a plain canvas. ``points`` (everyone's position) and ``look``
    (colours) arrive once per run; each picture, under ``feed_key`` in a :class:`DayFeed`'s
    day, is an object with one character per person (``codes``) and the referral ``links``
    (simulator.app_pictures.network_picture). A browser draws at most one picture per
    screen refresh, the newest, so a busy one skips pictures instead of falling behind.
    Only its first picture is answered here (``drawn`` turns true, and the server builds
    the page's controls); the day itself is answered once, for all widgets, by the
    :class:`DayFeed`."""

    js = NETWORK_JS
    render = ('return h("div", {ref: "box", ...(this.attributes || {})}, '
              '[h("canvas", {ref: "canvas", style: "display:block"})]);')
    feed_key = traitlets.Unicode("").tag(sync=True)
    points = traitlets.Unicode("").tag(sync=True)
    look = traitlets.Dict().tag(sync=True)
    dot = traitlets.Float(5.0).tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)
    #: Set by the browser once it has drawn a picture (the page's first picture is on screen).
    drawn = traitlets.Bool(False).tag(sync=True)


class RawHtml(BrowserWidget):
    """A div showing fixed HTML (a legend, an introduction): solara.HTML does the same
    through a template the browser compiles for each one."""

    render = 'return h("div", {class: this.html_class, innerHTML: this.html});'
    html = traitlets.Unicode("").tag(sync=True)
    html_class = traitlets.Unicode("").tag(sync=True)
