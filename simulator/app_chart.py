"""Widgets the live view draws into: an ECharts chart fed a JSON string, and HTML text.

Solara's ``FigureEcharts`` takes the option as a Python dict. The page's renderer
walks and compares every prop value on every frame, and a network's option holds
thousands of nested coordinate lists: at 300 people that walk cost more than the
whole simulated day. Here the option crosses as one string (compared in one step)
and the browser parses it. ECharts itself comes from the copy that solara-assets
installs and the Solara server hands out under ``_solara/cdn`` (minified, so a cold
page loads a third of the bytes), so the page needs no internet connection.
"""

from __future__ import annotations

import json

import ipyvuetify
import traitlets

ECHARTS_VERSION = "5.4.0"  # the copy in solara-assets (share/solara/cdn/echarts@5.4.0)

TEMPLATE = """
<template>
  <div ref="chart" v-bind="attributes"></div>
</template>
<script>
module.exports = {
  mounted() {
    this.load().then((echarts) => {
      this.chart = echarts.init(this.$refs.chart);
      this.draw();
      this.observer = new ResizeObserver(() => this.chart && this.chart.resize());
      this.observer.observe(this.$refs.chart);
    });
  },
  beforeDestroy() {
    if (this.observer) this.observer.disconnect();
    if (this.chart) this.chart.dispose();
  },
  watch: {
    option_json() { this.draw(); },
  },
  methods: {
    draw() {
      if (this.chart && this.option_json) this.chart.setOption(JSON.parse(this.option_json), true);
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
};
</script>
""" % {"version": ECHARTS_VERSION}


class EchartsJson(ipyvuetify.VuetifyTemplate):
    """An ECharts instance whose option arrives as JSON text."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    option_json = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)


def option_json(option: dict) -> str:
    """Compact JSON of an ECharts option (no spaces: a network frame is tens of kB)."""
    return json.dumps(option, separators=(",", ":"))


class HtmlText(ipyvuetify.VuetifyTemplate):
    """A div whose content is HTML text, replaced in one message when it changes."""

    template = traitlets.Unicode('<template><div :class="html_class" v-html="content"></div></template>').tag(sync=True)
    content = traitlets.Unicode("").tag(sync=True)
    html_class = traitlets.Unicode("").tag(sync=True)  # not "css": VueTemplate uses that name for style sheets
