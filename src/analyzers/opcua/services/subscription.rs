//! CreateMonitoredItems and Publish rows: what a client watches and the
//! values the server pushes back (`opcua_binary_create_monitored_items`,
//! `_create_monitored_items_create_item`; `opcua_binary_publish` and
//! `opcua_binary_publish_data_change` are otwatch's own: the reference
//! does not log Publish bodies).

use super::super::row::{
    attribute_name, byte, count, node_id, nonempty, time, timestamps_to_return, Links, Log, Row,
};
use super::super::value;
use super::status::{self, Diagnostics, Source};
use crate::analyzers::{message_head_fields, MessageHead};
use crate::output::{field, FieldType as T, Value};
use otwatch_parsers::opcua::services::{
    CreateMonitoredItemsRequest, CreateMonitoredItemsResponse, DataChangeNotification,
    PublishRequest, PublishResponse,
};
use otwatch_parsers::opcua::status::StatusCode;
use otwatch_parsers::opcua::{ExtensionBody, ExtensionObject, WireNodeId};

crate::columns_after!(
    CMI_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("subscription_id", T::Count),
        field("timestamps_to_return", T::Count),
        field("timestamps_to_return_str", T::String),
        field("create_item_link_id", T::String),
        field("create_monitored_items_diag_info_link_id", T::String),
    ]
);

pub static CREATE_MONITORED_ITEMS: Log = Log {
    path: "opcua_binary_create_monitored_items",
    fields: &CMI_FIELDS,
};

crate::columns_after!(
    ITEM_FIELDS,
    message_head_fields("create_item_link_id"),
    12,
    [
        field("item_to_monitor_node_id_encoding_mask", T::String),
        field("item_to_monitor_node_id_namespace_idx", T::Count),
        field("item_to_monitor_node_id_numeric", T::Count),
        field("item_to_monitor_node_id_string", T::String),
        field("item_to_monitor_node_id_guid", T::String),
        field("item_to_monitor_node_id_opaque", T::String),
        field("item_to_monitor_attribute_id", T::String),
        field("item_to_monitor_index_range", T::String),
        field("item_to_monitor_namespace_idx", T::Count),
        field("item_to_monitor_name", T::String),
        field("monitoring_mode", T::String),
        field("monitoring_parameters_client_handle", T::Count),
        field("monitoring_parameters_sampling_interval", T::Double),
        field("monitoring_parameters_queue_size", T::Count),
        field("monitoring_parameters_discard_oldest", T::Bool),
        field(
            "monitoring_parameters_filter_info_type_id_node_id_encoding_mask",
            T::String
        ),
        field(
            "monitoring_parameters_filter_info_type_id_node_id_namespace_idx",
            T::Count
        ),
        field(
            "monitoring_parameters_filter_info_type_id_node_id_numeric",
            T::Count
        ),
        field(
            "monitoring_parameters_filter_info_type_id_node_id_string",
            T::String
        ),
        field(
            "monitoring_parameters_filter_info_type_id_node_id_guid",
            T::String
        ),
        field(
            "monitoring_parameters_filter_info_type_id_node_id_opaque",
            T::String
        ),
        field(
            "monitoring_parameters_filter_info_type_id_string",
            T::String
        ),
        field(
            "monitoring_parameters_filter_info_type_id_encoding",
            T::String
        ),
        field("filter_info_details_link_id", T::String),
        field("monitoring_parameters_status_code_link_id", T::String),
        field("monitored_item_index_id", T::Count),
        field("monitoring_parameters_revised_sampling_interval", T::Double),
        field("monitoring_parameters_revised_queue_size", T::Count),
    ]
);

pub static CREATE_ITEM: Log = Log {
    path: "opcua_binary_create_monitored_items_create_item",
    fields: &ITEM_FIELDS,
};

crate::columns_after!(
    PUBLISH_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("ack_subscription_ids", T::VectorCount),
        field("ack_sequence_numbers", T::VectorCount),
        field("subscription_id", T::Count),
        field("available_sequence_numbers", T::VectorCount),
        field("more_notifications", T::Bool),
        field("notification_sequence_number", T::Count),
        field("publish_time", T::Time),
        field("notification_types", T::String),
        field("data_change_link_id", T::String),
        field("ack_results", T::String),
    ]
);

pub static PUBLISH: Log = Log {
    path: "opcua_binary_publish",
    fields: &PUBLISH_FIELDS,
};

crate::columns_after!(
    DATA_CHANGE_FIELDS,
    message_head_fields("data_change_link_id"),
    12,
    [
        field("client_handle", T::Count),
        field("data_value_encoding_mask", T::String),
        field("status_code", T::String),
        field("status", T::String),
        field("source_timestamp", T::Time),
        field("server_timestamp", T::Time),
        field("value_type", T::String),
        field("value", T::String),
    ]
);

pub static PUBLISH_DATA_CHANGE: Log = Log {
    path: "opcua_binary_publish_data_change",
    fields: &DATA_CHANGE_FIELDS,
};

fn monitoring_mode(n: u32) -> Value<'static> {
    match n {
        0 => Value::Ref("Disabled"),
        1 => Value::Ref("Sampling"),
        2 => Value::Ref("Reporting"),
        _ => Value::Unset,
    }
}

/// Names of the extension objects that appear as filters and
/// notifications (binary encoding ids, OPC 10000-6 NodeIds.csv).
fn extension_name(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "NoneType",
        724 => "DataChangeFilter",
        727 => "EventFilter",
        730 => "AggregateFilter",
        733 => "EventFilterResult",
        736 => "AggregateFilterResult",
        811 => "DataChangeNotification",
        820 => "StatusChangeNotification",
        916 => "EventNotificationList",
        _ => return None,
    })
}

fn filter(r: &mut Row, f: &ExtensionObject<'_>) {
    if f.type_id.ns0_numeric() == Some(0) && f.body == ExtensionBody::None {
        r.unset(8);
        return;
    }
    node_id(
        r,
        &WireNodeId {
            encoding: f.type_id_encoding,
            node_id: f.type_id,
        },
    );
    r.push(
        f.type_id
            .ns0_numeric()
            .and_then(extension_name)
            .map_or(Value::Unset, Value::Ref),
    )
    .push(byte(match f.body {
        ExtensionBody::None => 0,
        ExtensionBody::Binary(_) => 1,
        ExtensionBody::Xml(_) => 2,
    }));
}

pub fn create_monitored_items_request(
    head: &MessageHead,
    b: &CreateMonitoredItemsRequest<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.items_to_create.is_empty()).then(|| links.next());
    let mut r = Row::new(&CREATE_MONITORED_ITEMS, head, &head.link);
    r.push(count(b.subscription_id))
        .push(count(b.timestamps_to_return))
        .push(timestamps_to_return(b.timestamps_to_return))
        .push(link.clone().map_or(Value::Unset, Value::Str));
    out.push(r);
    let Some(link) = link else { return };
    for item in &b.items_to_create {
        let m = &item.item_to_monitor;
        let p = &item.requested_parameters;
        let mut r = Row::new(&CREATE_ITEM, head, &link);
        node_id(&mut r, &m.node_id);
        r.push(attribute_name(m.attribute_id))
            .push(nonempty(m.index_range))
            .push(match m.data_encoding.namespace {
                0 => Value::Unset,
                n => count(n),
            })
            .push(nonempty(m.data_encoding.name))
            .push(monitoring_mode(item.monitoring_mode))
            .push(count(p.client_handle))
            .push(Value::Double(p.sampling_interval))
            .push(count(p.queue_size))
            .push(Value::Bool(p.discard_oldest));
        filter(&mut r, &p.filter);
        out.push(r);
    }
}

pub fn create_monitored_items_response(
    head: &MessageHead,
    b: &CreateMonitoredItemsResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let link = (!b.results.is_empty()).then(|| links.next());
    let diag = Diagnostics::new(Source::CreateMonitoredItems, &b.diagnostic_infos, links);
    let mut r = Row::new(&CREATE_MONITORED_ITEMS, head, &head.link);
    r.unset(3)
        .push(link.clone().map_or(Value::Unset, Value::Str))
        .push(diag.link());
    out.push(r);
    if let Some(link) = link {
        for res in &b.results {
            let status_link = links.next();
            out.push(status::row(
                head,
                &status_link,
                Source::CreateMonitoredItems,
                0,
                res.status_code,
            ));
            let mut r = Row::new(&CREATE_ITEM, head, &link);
            r.unset(24)
                .push(Value::Str(status_link))
                .push(count(res.monitored_item_id))
                .push(Value::Double(res.revised_sampling_interval))
                .push(count(res.revised_queue_size));
            out.push(r);
        }
    }
    diag.rows(head, out);
}

pub fn publish_request(head: &MessageHead, b: &PublishRequest, out: &mut Vec<Row>) {
    let mut r = Row::new(&PUBLISH, head, &head.link);
    r.push(Value::Counts(
        b.acknowledgements.iter().map(|a| u64::from(a.0)).collect(),
    ))
    .push(Value::Counts(
        b.acknowledgements.iter().map(|a| u64::from(a.1)).collect(),
    ));
    out.push(r);
}

/// A status code as its name, or hex when the specification has none.
fn status_name(code: u32) -> String {
    StatusCode(code)
        .name()
        .map_or_else(|| format!("0x{code:08x}"), str::to_string)
}

pub fn publish_response(
    head: &MessageHead,
    b: &PublishResponse<'_>,
    links: &mut Links<'_>,
    out: &mut Vec<Row>,
) {
    let n = &b.notification_message;
    let types: Vec<String> = n
        .notification_data
        .iter()
        .map(|x| match x.type_id.ns0_numeric().and_then(extension_name) {
            Some(name) => name.to_string(),
            None => x.type_id.to_string(),
        })
        .collect();
    let changes: Vec<_> = n
        .notification_data
        .iter()
        .filter_map(DataChangeNotification::decode)
        .collect();
    let link = changes
        .iter()
        .any(|c| matches!(c, Ok(c) if !c.monitored_items.is_empty()))
        .then(|| links.next());
    let mut r = Row::new(&PUBLISH, head, &head.link);
    r.unset(2)
        .push(count(b.subscription_id))
        .push(Value::Counts(
            b.available_sequence_numbers
                .iter()
                .map(|&s| u64::from(s))
                .collect(),
        ))
        .push(Value::Bool(b.more_notifications))
        .push(count(n.sequence_number))
        .push(time(n.publish_time))
        .push(if types.is_empty() {
            Value::Unset
        } else {
            Value::Str(types.join(","))
        })
        .push(link.clone().map_or(Value::Unset, Value::Str))
        .push(if b.results.is_empty() {
            Value::Unset
        } else {
            Value::Str(
                b.results
                    .iter()
                    .map(|&c| status_name(c))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        });
    out.push(r);
    let Some(link) = link else { return };
    for change in changes.iter().flatten() {
        for item in &change.monitored_items {
            let v = &item.value;
            let mut r = Row::new(&PUBLISH_DATA_CHANGE, head, &link);
            let (ty, val) = v
                .value
                .as_ref()
                .map_or((Value::Unset, Value::Unset), value::columns);
            r.push(count(item.client_handle))
                .push(byte(data_value_mask(v)))
                .push(
                    v.status
                        .map_or(Value::Unset, |c| Value::Str(format!("0x{c:08x}"))),
                )
                .push(
                    v.status
                        .map_or(Value::Unset, |c| Value::Str(status_name(c))),
                )
                .push(v.source_timestamp.map_or(Value::Unset, time))
                .push(v.server_timestamp.map_or(Value::Unset, time))
                .push(ty)
                .push(val);
            out.push(r);
        }
    }
}

/// The encoding byte a DataValue had (its fields say which were sent).
fn data_value_mask(v: &otwatch_parsers::opcua::DataValue<'_>) -> u8 {
    u8::from(v.value.is_some())
        | u8::from(v.status.is_some()) << 1
        | u8::from(v.source_timestamp.is_some()) << 2
        | u8::from(v.server_timestamp.is_some()) << 3
        | u8::from(v.source_picoseconds.is_some()) << 4
        | u8::from(v.server_picoseconds.is_some()) << 5
}
