//! The page: the stylesheet and script of `assets/`, the embedded
//! Cytoscape.js (MIT, `assets/LICENSE-cytoscape`) and the data as JSON.

static CYTOSCAPE: &str = include_str!("assets/cytoscape.min.js");
static STYLE: &str = include_str!("assets/report.css");
static SCRIPT: &str = include_str!("assets/report.js");

/// The legend of the map: what each colour, mark and line means.
const LEGEND: &str = concat!(
    "<div class=\"legend\">",
    "<span><i class=\"dot\" style=\"background:#d46b08\"></i>controller</span>",
    "<span><i class=\"dot\" style=\"background:#7cb305\"></i>I/O adapter</span>",
    "<span><i class=\"dot\" style=\"background:#1677ff\"></i>HMI/SCADA</span>",
    "<span><i class=\"dot\" style=\"background:#722ed1\"></i>engineering</span>",
    "<span><i class=\"dot\" style=\"background:#13c2c2\"></i>historian</span>",
    "<span><i class=\"dot\" style=\"background:#08979c\"></i>OPC UA</span>",
    "<span><i class=\"dot\" style=\"background:#cf1322\"></i>scanner</span>",
    "<span><i class=\"dot\" style=\"background:#8c8c8c\"></i>no OT role</span>",
    "<span><i class=\"ring\" style=\"border-color:#820014\"></i><i class=\"ring\" style=\"border-color:#d4380d\"></i>",
    "<i class=\"ring\" style=\"border-color:#d48806\"></i><i class=\"ring\" style=\"border-color:#389e0d\"></i>",
    "<i class=\"ring\" style=\"border-color:#8c8c8c\"></i>ring: the worst alert naming the device (critical, high, medium, low, other)</span>",
    "<span>\u{26A0} N: alerted devices inside a folded group or among a controller's I/O adapters</span>",
    "<span>\u{2605} star: device not in the baseline</span>",
    "<span><i class=\"line\" style=\"border-top-style:dashed\"></i>wrote</span>",
    "<span><i class=\"line\" style=\"border-color:#fa8c16;border-top-width:3px\"></i>edge not in the baseline</span>",
    "<span>grey box: folded group (click to open; click an open group's frame to fold it)</span>",
    "</div>"
);

/// The page around the report's data (JSON).
pub fn page(data_json: &str) -> String {
    // The data sits in a script element: no `<` at all, so that neither
    // `</script` nor `<!--` in a log's text can end or hide it (in JSON a
    // `<` is only ever inside a string, where `\u003c` means the same).
    let data = data_json.replace('<', "\\u003c");
    format!(
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>otwatch report</title><style>{style}</style></head><body>\n",
            "<header><h1>otwatch report</h1><div id=\"summary\"></div>",
            "<button id=\"print\" class=\"no-print\">Print / PDF</button></header>\n",
            "<section id=\"attention\"><h2>Needs attention <small>alerts grouped by kind and the device that ",
            "acted, most severe first</small></h2>",
            "<svg id=\"timeline\" viewBox=\"0 0 1000 96\"></svg>",
            "<div class=\"chips\"><span id=\"severity-chips\" class=\"chips\"></span>",
            "<input id=\"alert-filter\" type=\"search\" placeholder=\"Filter alerts (IP, rule, function)\"></div>",
            "<div id=\"alert-list\" class=\"scroll\"><table id=\"alerts\"><thead></thead><tbody></tbody></table></div></section>\n",
            "<section id=\"map-section\"><h2>Network map <small>Purdue level \u{2192} subnet \u{2192} device; I/O adapters ",
            "under their controller; edge labels on hover or zoomed in</small></h2>",
            "<div id=\"toolbar\"><label><input id=\"search\" type=\"search\" placeholder=\"Find IP, name, vendor, MAC (Enter)\"></label>",
            "<span id=\"search-count\" class=\"muted\"></span><span id=\"f-levels\"></span>",
            "<select id=\"f-protocol\"></select><select id=\"f-role\"></select><select id=\"f-alert\"></select>",
            "<button id=\"expand-all\">Open all groups</button><button id=\"fold\">Reset</button></div>",
            "<div id=\"mapbox\"><div id=\"map\"></div><img id=\"map-print\" alt=\"The network map\"></div>",
            "{legend}</section>\n",
            "<section><h2>Devices</h2><input id=\"device-filter\" type=\"search\" placeholder=\"Filter devices\">",
            "<div class=\"scroll\"><table id=\"devices\"><thead></thead><tbody></tbody></table></div></section>\n",
            "<section><h2>Protocol activity</h2><div class=\"scroll\"><table id=\"activity\"><thead></thead><tbody></tbody></table></div></section>\n",
            "<section><h2>Capture quality</h2><div id=\"quality\"></div></section>\n",
            "<aside id=\"panel\"></aside>\n",
            "<script id=\"data\" type=\"application/json\">{data}</script>\n",
            "<script>{cytoscape}</script>\n<script>{script}</script>\n</body></html>\n"
        ),
        style = STYLE,
        legend = LEGEND,
        data = data,
        cytoscape = CYTOSCAPE,
        script = SCRIPT
    )
}
