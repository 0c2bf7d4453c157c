//! The baseline as a network map: DOT (Graphviz), GraphML or JSON. The
//! graph is a `petgraph` graph of the devices (labelled with role and
//! identity) and the edges (labelled with protocol, port and functions).

use super::model::{Baseline, Edge};
use crate::inventory::{roles, Device, RoleConfig};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How `baseline show` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Dot,
    Graphml,
    Json,
}

/// The baseline as a directed graph: node weights are devices, edge
/// weights the learned edges.
pub fn graph(b: &Baseline) -> DiGraph<Device, Edge> {
    let mut g = DiGraph::new();
    let mut index: BTreeMap<IpAddr, NodeIndex> = BTreeMap::new();
    let mut node = |g: &mut DiGraph<Device, Edge>, ip: IpAddr| -> NodeIndex {
        *index.entry(ip).or_insert_with(|| {
            g.add_node(
                b.devices
                    .get(&ip)
                    .cloned()
                    .unwrap_or_else(|| Device::new(ip, 0)),
            )
        })
    };
    for d in b.devices.keys() {
        node(&mut g, *d);
    }
    for e in b.edges.values() {
        let a = node(&mut g, e.key.client);
        let z = node(&mut g, e.key.server);
        g.add_edge(a, z, e.clone());
    }
    g
}

/// A device's label: address, roles, identity.
pub fn device_label(d: &Device) -> String {
    let r: Vec<&str> = roles(d, &RoleConfig::default())
        .iter()
        .map(|(x, _)| x.name())
        .collect();
    let mut label = d.name();
    if !r.is_empty() {
        label.push_str(&format!("\n{}", r.join(", ")));
    }
    if let Some(c) = &d.cip_identity {
        label.push_str(&format!(
            "\n{} {} rev {}",
            c.vendor, c.product_name, c.revision
        ));
    } else if let Some(v) = d.modbus_identity.get("VendorName") {
        let p = d
            .modbus_identity
            .get("ProductCode")
            .cloned()
            .unwrap_or_default();
        label.push_str(&format!("\n{v} {p}"));
    } else if let Some(o) = d.opcua_identity.iter().next() {
        if let Some(u) = &o.application_uri {
            label.push_str(&format!("\n{u}"));
        }
    }
    label
}

/// An edge's label: protocol and port, and its functions (the first few).
pub fn edge_label(e: &Edge) -> String {
    let mut fns: Vec<&str> = e.functions.keys().map(String::as_str).collect();
    let more = fns.len().saturating_sub(4);
    fns.truncate(4);
    let mut label = format!("{}/{}", e.key.protocol, e.key.port);
    if !fns.is_empty() {
        label.push_str(&format!("\n{}", fns.join("\n")));
    }
    if more > 0 {
        label.push_str(&format!("\n(+{more} more)"));
    }
    label
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn show(b: &Baseline, format: ShowFormat) -> String {
    let g = graph(b);
    match format {
        ShowFormat::Json => b.to_json(),
        ShowFormat::Dot => {
            let mut out = String::from(
                "digraph otwatch {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
            );
            for i in g.node_indices() {
                out.push_str(&format!(
                    "  n{} [label=\"{}\"];\n",
                    i.index(),
                    dot_escape(&device_label(&g[i]))
                ));
            }
            for e in g.edge_indices() {
                if let Some((a, z)) = g.edge_endpoints(e) {
                    out.push_str(&format!(
                        "  n{} -> n{} [label=\"{}\"];\n",
                        a.index(),
                        z.index(),
                        dot_escape(&edge_label(&g[e]))
                    ));
                }
            }
            out.push_str("}\n");
            out
        }
        ShowFormat::Graphml => {
            let mut out = String::from(concat!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
                "  <key id=\"label\" for=\"all\" attr.name=\"label\" attr.type=\"string\"/>\n",
                "  <key id=\"protocol\" for=\"edge\" attr.name=\"protocol\" attr.type=\"string\"/>\n",
                "  <key id=\"port\" for=\"edge\" attr.name=\"port\" attr.type=\"int\"/>\n",
                "  <key id=\"requests\" for=\"edge\" attr.name=\"requests\" attr.type=\"long\"/>\n",
                "  <graph id=\"otwatch\" edgedefault=\"directed\">\n"
            ));
            for i in g.node_indices() {
                out.push_str(&format!(
                    "    <node id=\"{}\"><data key=\"label\">{}</data></node>\n",
                    xml_escape(&g[i].name()),
                    xml_escape(&device_label(&g[i]))
                ));
            }
            for e in g.edge_indices() {
                let w = &g[e];
                out.push_str(&format!(
                    "    <edge source=\"{}\" target=\"{}\"><data key=\"label\">{}</data><data key=\"protocol\">{}</data><data key=\"port\">{}</data><data key=\"requests\">{}</data></edge>\n",
                    xml_escape(&w.key.client.to_string()),
                    xml_escape(&w.key.server.to_string()),
                    xml_escape(&edge_label(w)),
                    xml_escape(&w.key.protocol),
                    w.key.port,
                    w.requests
                ));
            }
            out.push_str("  </graph>\n</graphml>\n");
            out
        }
    }
}
