"""The chart widget's JavaScript: altair's own ``JupyterChart`` front-end with data-only updates.

altair's front-end answers every new ``spec`` with a new embed: vega-lite compiles the spec, vega
parses it into a new view, and the old view is dropped (≈60 ms for the overview's layered trend
charts in headless chromium; the three charts of a filter change were most of its browser time).
A filter change mostly sends the *same* chart with other rows (:func:`gxlib.app.widgets.swapped_spec`).
Here, when the new spec equals the shown one apart from its datasets and its selections' initial
values (same body once dataset names are numbered by first use, same embed options), the new rows
go into the running view as a vega changeset (a changed initial value of a point selection into its
store) and its dataflow and autosize run again (≈16 ms): scales, layout and marks are recomputed by
vega as a new embed would compute them (a browser test compares the two SVGs).  Anything else —
another shape, an error — takes altair's full path.  One visible difference: a selection the viewer
made on the chart is kept (unless its initial value changed) instead of being reset.

The patch is two insertions at anchors of altair's ``js/index.js``; when an altair release moves an
anchor, the front-end is altair's unchanged (a warning says so; tests check the anchors are found).
"""

from __future__ import annotations

import hashlib
import warnings
from importlib.resources import files

HELPERS = r"""
// gxlib: data-only updates of a shown chart (see gxlib/app/chartjs.py)
function gxShape(model) {
    const spec = model.get("spec");
    if (spec == null || spec.datasets == null) return null;
    const { datasets, params, ...rest } = spec;
    const inits = {};  // the selections' initial values: a changed one is set in the view's store
    const ps = (params ?? []).map((p) => {
        if (p.select == null || p.value === undefined) return p;
        const { value, ...q } = p;
        inits[p.name] = JSON.stringify(value);
        return q;
    });
    const names = [];
    const body = JSON.stringify([rest, ps, model.get("embed_options"), model.get("debounce_wait"), model.get("max_wait")])
        .replace(/"(data-[0-9a-f]{32})"/g, (m, n) => {
            let i = names.indexOf(n);
            if (i < 0) i = names.push(n) - 1;
            return '"#gx' + i + '"';
        });
    return { body, names, viewNames: names.slice(), inits };
}

function gxStoreTuple(view, name, init) {
    // a point selection's store tuple for its initial value [{field: value}], modelled on the one
    // the view holds (vega-lite's {unit, fields, values}); null when it cannot be made
    const value = JSON.parse(init);
    const store = view.data(name + "_store");
    if (!Array.isArray(value) || value.length !== 1 || store.length !== 1 || !Array.isArray(store[0].fields)) return null;
    const values = store[0].fields.map((f) => value[0][f.field]);
    if (values.some((v) => v === undefined)) return null;
    return { unit: store[0].unit, fields: store[0].fields, values };
}

async function gxSwapData(el, shown, next, spec) {
    if (next.body !== shown.body) return false;
    const view = shown.api.view;
    try {
        if (Object.keys(next.inits).sort().join() !== Object.keys(shown.inits).sort().join()) return false;
        const stores = [];
        for (const [name, init] of Object.entries(next.inits)) {
            if (shown.inits[name] === init) continue;
            const t = gxStoreTuple(view, name, init);
            if (t == null) return false;
            stores.push([name + "_store", t]);
        }
        for (const [store, t] of stores) view.change(store, view.changeset().remove(() => true).insert([t]));
        shown.inits = next.inits;
        next.names.forEach((name, i) => {
            if (name !== shown.names[i]) {
                const rows = structuredClone(spec.datasets[name]);
                view.change(shown.viewNames[i], view.changeset().remove(() => true).insert(rows));
            }
        });
        shown.names = next.names;
        await view.resize().runAsync();  // autosize again: axis labels may need other room
    } catch (error) {
        console.warn("gxlib: data-only chart update failed; embedding the chart again", error);
        return false;
    }
    el.dataset.gxSwaps = String(Number(el.dataset.gxSwaps ?? 0) + 1);  // tests read how often
    return true;
}

// A chart of width "container" is laid out to its box once, at embed time, and again only on a
// window resize: a box still 0 px wide then (not yet laid out in the page: seen at 390 px in
// chromium 156) leaves it 0 px wide for good — even when the box has its width by the time the
// embed ends.  Watch the box: when its width changes, or when the drawn chart does not match it at
// the first observation, lay the charts out again as a window resize does.
function gxWatchWidth(el) {
    if (el.gxWatched || typeof ResizeObserver === "undefined") return;
    el.gxWatched = true;
    let width = null;
    new ResizeObserver(() => {
        const w = el.clientWidth;
        if (w === width) return;
        const first = width === null;
        width = w;
        const svg = el.querySelector("svg");
        if (first && !(el.classList.contains("fit-x") && svg && Math.abs(svg.getBoundingClientRect().width - w) > 1)) return;
        window.dispatchEvent(new Event("resize"));
    }).observe(el);
}
"""

# (anchor in altair's index.js, text put before it, text put after it)
PATCHES = (
    ("    const reembed = async () => {\n",
     "    let gxShown = null, gxCount = 0;  // gxlib: the shape on screen and its view\n",
     "        const gxNext = gxShape(model), gxSeq = ++gxCount;\n"
     "        if (gxShown != null && gxNext != null && await gxSwapData(el, gxShown, gxNext, model.get(\"spec\"))) {\n"
     "            return;\n"
     "        }\n"
     "        gxShown = null;\n"),
    ("        finalize = api.finalize;\n",
     "",
     "        if (gxSeq === gxCount && gxNext != null) gxShown = { ...gxNext, api };\n"
     "        gxWatchWidth(el);\n"),
)


def altair_source() -> str:
    """altair's JupyterChart module without its leading import and comment lines (as altair's own
    ``enable_offline`` strips them before vl-convert bundles the rest with vega)."""
    lines = files("altair.jupyter").joinpath("js/index.js").read_text(encoding="utf-8").split("\n")
    while lines and (not lines[0].strip() or lines[0].startswith(("import", "//"))):
        lines.pop(0)
    return "\n".join(lines)


def missing_anchors(src: str) -> list[str]:
    return [a for a, _, _ in PATCHES if src.count(a) != 1]


def source() -> str:
    """The patched module source (altair's unchanged, with a warning, when an anchor is missing)."""
    src = altair_source()
    missing = missing_anchors(src)
    if missing:
        warnings.warn(f"gxlib: altair's JupyterChart source changed ({missing[0].strip()!r} not found); "
                      "charts are embedded again on every update", stacklevel=2)
        return src
    for anchor, before, after in PATCHES:
        src = src.replace(anchor, before + anchor + after)
    return src + HELPERS


def digest() -> str:
    """Of the patched source: part of the bundle's cache name."""
    return hashlib.sha256(source().encode()).hexdigest()[:10]


def bundle() -> str:
    """The offline module: the patched source bundled with vega by vl-convert."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    return vlc.javascript_bundle(source(), vl_version=vl_version_for_vl_convert())
