#!/usr/bin/env python3
"""Checks that the Plotly charts in an executed notebook draw offline.

Usage: check-notebook-charts.py EXECUTED.ipynb OUTDIR

Every text/html output that holds a Plotly.NET chart (a `renderPlotly_...` script) is written to its own page under
OUTDIR, after the notebook's own plotly.js output (the setup cell embeds plotly.js once per notebook, as VS Code shows
all outputs of a notebook in one page; a chart output that carries plotly.js itself is checked alone), and opened in headless Chromium with networking disabled (hosts resolve to nothing, traffic goes to a closed
local proxy port). A chart counts as drawn when the DOM after load holds plotly's SVG layers (class="main-svg").
The first chart is also saved as a screenshot. Prints one line per chart; exit 1 if any chart did not draw, 2 if the
notebook has no chart, 3 if Chromium is missing.
"""
import json, os, re, shutil, subprocess, sys, tempfile


def chromium():
    for n in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(n)
        if p:
            return p
    return None


def run(browser, url, extra):
    with tempfile.TemporaryDirectory(prefix="samdiffsr-chromium-") as prof:
        args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=" + prof, "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=15000", "--window-size=1000,700"] + extra + [url]
        r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"chromium exit {r.returncode}: {r.stderr[-500:]}")
        return r.stdout


def main():
    if len(sys.argv) != 3:
        print(__doc__); return 64
    nb_path, outdir = sys.argv[1], sys.argv[2]
    browser = chromium()
    if browser is None:
        print("charts: SKIP, chromium is not installed (apt-get install -y chromium; environment/setup.sh installs it)")
        return 3
    nb = json.load(open(nb_path, encoding="utf-8"))
    charts, bundle = [], None
    for ci, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            html = (out.get("data") or {}).get("text/html")
            if html is None:
                continue
            html = "".join(html) if isinstance(html, list) else html
            has_js = "typeof window.Plotly === 'undefined'" in html
            if re.search(r"renderPlotly_[0-9a-f]+ = function", html):
                charts.append((ci, html, has_js))
            elif has_js and bundle is None:
                bundle = html
    name = os.path.splitext(os.path.basename(nb_path))[0]
    if not charts:
        print(f"charts: {name} has no Plotly chart output"); return 2
    os.makedirs(outdir, exist_ok=True)
    bad = 0
    for k, (ci, html, has_js) in enumerate(charts):
        if not has_js:
            if bundle is None:
                print(f"charts: FAIL {name} cell {ci}: the chart expects plotly.js on the page, and no output of the notebook has it"); bad += 1; continue
            html = bundle + html
        if re.search(r"<script[^>]+src=", html, re.I):
            print(f"charts: FAIL {name} cell {ci}: the chart loads a script from elsewhere"); bad += 1; continue
        page = os.path.abspath(os.path.join(outdir, f"{name}-chart{k}.html"))
        with open(page, "w", encoding="utf-8") as f:
            f.write("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>" + html + "</body></html>")
        url = "file://" + page
        if k == 0:
            run(browser, url, ["--screenshot=" + os.path.join(os.path.abspath(outdir), f"{name}-chart0.png")])
        dom = run(browser, url, ["--dump-dom"])
        svgs = dom.count('class="main-svg"')
        traces = len(re.findall(r'class="trace (?:scatter|bars|heatmap)', dom)) + dom.count('class="hm"')
        ok = svgs >= 2
        print(f"charts: {'PASS' if ok else 'FAIL'} {name} cell {ci}: {svgs} plotly main-svg, {traces} traces drawn, "
              f"{len(html) // 1024} KiB page ({'own plotly.js' if has_js else 'plotly.js from the setup output'}), offline")
        bad += 0 if ok else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
