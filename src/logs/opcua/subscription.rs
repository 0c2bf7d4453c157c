//! CreateSubscription, CreateMonitoredItems and Publish rows: what a
//! client watches and the values the server pushes back
//! (`opcua_binary_create_subscription`, `opcua_binary_create_monitored_items`,
//! `_create_monitored_items_create_item`; `opcua_binary_publish` and
//! `opcua_binary_publish_data_change` are otwatch's own: the reference
//! does not log Publish bodies).

use super::names::{attribute_name, extension_name, monitoring_mode};
use super::row::{
    byte, count, name, node_id, qualified_name, status_hex, time, timestamps_to_return, Cells, Log,
    Rows,
};
use super::status::{diagnostics_link, Source};
use super::status_names::status_name;
use super::value;
use crate::event::opcua::{
    CreateMonitoredItemsRequest, CreateMonitoredItemsResponse, CreateSubscriptionRequest,
    CreateSubscriptionResponse, ExtensionType, PublishRequest, PublishResponse,
};
use crate::logs::message_head_fields;
use crate::output::{field, FieldType as T, Value};

crate::columns_after!(
    CREATE_SUBSCRIPTION_FIELDS,
    message_head_fields("opcua_link_id"),
    12,
    [
        field("requested_publishing_interval", T::Count),
        field("requested_lifetime_count", T::Count),
        field("requested_max_keep_alive_count", T::Count),
        field("max_notifications_per_publish", T::Count),
        field("publishing_enabled", T::Bool),
        field("priority", T::Count),
        field("subscription_id", T::Count),
        field("revised_publishing_interval", T::Count),
        field("revised_lifetime_count", T::Count),
        field("revised_max_keep_alive_count", T::Count),
    ]
);

static CREATE_SUBSCRIPTION: Log = Log {
    path: "opcua_binary_create_subscription",
    fields: &CREATE_SUBSCRIPTION_FIELDS,
};

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

static CREATE_MONITORED_ITEMS: Log = Log {
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

static CREATE_ITEM: Log = Log {
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

static PUBLISH: Log = Log {
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

static PUBLISH_DATA_CHANGE: Log = Log {
    path: "opcua_binary_publish_data_change",
    fields: &DATA_CHANGE_FIELDS,
};

fn link(l: &Option<crate::id::Id>) -> Value<'_> {
    l.as_deref().map_or(Value::Unset, Value::Plain)
}

/// Milliseconds as a whole count (negative and NaN intervals, which a
/// server revises anyway, show as 0). Publishing intervals are Doubles on
/// the wire and whole milliseconds in the reference's columns.
fn whole_ms(ms: f64) -> Value<'static> {
    Value::Count(ms as u64)
}

pub fn create_subscription_request<'e>(rows: &mut Rows<'e, '_>, r: &'e CreateSubscriptionRequest) {
    rows.start()
        .push(whole_ms(r.requested_publishing_interval))
        .push(count(r.requested_lifetime_count))
        .push(count(r.requested_max_keep_alive_count))
        .push(count(r.max_notifications_per_publish))
        .push(Value::Bool(r.publishing_enabled))
        .push(count(r.priority));
    rows.emit_message(&CREATE_SUBSCRIPTION);
}

pub fn create_subscription_response<'e>(
    rows: &mut Rows<'e, '_>,
    r: &'e CreateSubscriptionResponse,
) {
    rows.start()
        .unset(6)
        .push(count(r.subscription_id))
        .push(whole_ms(r.revised_publishing_interval))
        .push(count(r.revised_lifetime_count))
        .push(count(r.revised_max_keep_alive_count));
    rows.emit_message(&CREATE_SUBSCRIPTION);
}

fn filter<'e>(r: &mut Cells<'e>, f: &'e ExtensionType) {
    if f.type_id.node_id.ns0_numeric() == Some(0) && f.body_encoding == 0 {
        r.unset(8);
        return;
    }
    node_id(r, &f.type_id);
    r.push(name(
        f.type_id.node_id.ns0_numeric().and_then(extension_name),
    ))
    .push(byte(f.body_encoding));
}

pub fn create_monitored_items_request<'e>(
    rows: &mut Rows<'e, '_>,
    b: &'e CreateMonitoredItemsRequest,
) {
    rows.start()
        .push(count(b.subscription_id))
        .push(count(b.timestamps_to_return))
        .push(timestamps_to_return(b.timestamps_to_return))
        .push(link(&b.items_link));
    rows.emit_message(&CREATE_MONITORED_ITEMS);
    let Some(items_link) = &b.items_link else {
        return;
    };
    for item in &b.items_to_create {
        let m = &item.item_to_monitor;
        let r = rows.start();
        node_id(r, &m.node_id);
        r.push(name(attribute_name(m.attribute_id)))
            .push(super::row::nonempty(&m.index_range));
        qualified_name(r, &m.data_encoding, true);
        r.push(name(monitoring_mode(item.monitoring_mode)))
            .push(count(item.client_handle))
            .push(Value::Double(item.sampling_interval))
            .push(count(item.queue_size))
            .push(Value::Bool(item.discard_oldest));
        filter(r, &item.filter);
        rows.emit(&CREATE_ITEM, items_link);
    }
}

pub fn create_monitored_items_response<'e>(
    rows: &mut Rows<'e, '_>,
    b: &'e CreateMonitoredItemsResponse,
) {
    rows.start()
        .unset(3)
        .push(link(&b.results_link))
        .push(diagnostics_link(&b.diagnostics));
    rows.emit_message(&CREATE_MONITORED_ITEMS);
    if let Some(results_link) = &b.results_link {
        for res in &b.results {
            rows.status(
                &res.status.link,
                Source::CreateMonitoredItems,
                res.status.code,
            );
            rows.start()
                .unset(24)
                .push(Value::Plain(&res.status.link))
                .push(count(res.monitored_item_id))
                .push(Value::Double(res.revised_sampling_interval))
                .push(count(res.revised_queue_size));
            rows.emit(&CREATE_ITEM, results_link);
        }
    }
    rows.diagnostics(Source::CreateMonitoredItems, &b.diagnostics);
}

pub fn publish_request<'e>(rows: &mut Rows<'e, '_>, b: &'e PublishRequest) {
    rows.start()
        .push(Value::Counts(
            b.acknowledgements.iter().map(|a| u64::from(a.0)).collect(),
        ))
        .push(Value::Counts(
            b.acknowledgements.iter().map(|a| u64::from(a.1)).collect(),
        ));
    rows.emit_message(&PUBLISH);
}

/// A status code as its name, or hex when the specification has none.
fn status_text(code: u32) -> String {
    status_name(code).map_or_else(|| format!("0x{code:08x}"), str::to_string)
}

pub fn publish_response<'e>(rows: &mut Rows<'e, '_>, b: &'e PublishResponse) {
    let types: Vec<String> = b
        .notification_types
        .iter()
        .map(|t| match t.ns0_numeric().and_then(extension_name) {
            Some(name) => name.to_string(),
            None => t.to_string(),
        })
        .collect();
    rows.start()
        .unset(2)
        .push(count(b.subscription_id))
        .push(Value::Counts(
            b.available_sequence_numbers
                .iter()
                .map(|&s| u64::from(s))
                .collect(),
        ))
        .push(Value::Bool(b.more_notifications))
        .push(count(b.sequence_number))
        .push(time(b.publish_time))
        .push(if types.is_empty() {
            Value::Unset
        } else {
            Value::Str(types.join(","))
        })
        .push(link(&b.data_changes_link))
        .push(if b.results.is_empty() {
            Value::Unset
        } else {
            Value::Str(
                b.results
                    .iter()
                    .map(|&c| status_text(c))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        });
    rows.emit_message(&PUBLISH);
    let Some(changes_link) = &b.data_changes_link else {
        return;
    };
    for item in &b.data_changes {
        let v = &item.value;
        let (ty, val) = v
            .value
            .as_ref()
            .map_or((Value::Unset, Value::Unset), value::columns);
        rows.start()
            .push(count(item.client_handle))
            .push(byte(v.encoding()))
            .push(v.status.map_or(Value::Unset, status_hex))
            .push(
                v.status
                    .map_or(Value::Unset, |c| Value::Str(status_text(c))),
            )
            .push(v.source_timestamp.map_or(Value::Unset, time))
            .push(v.server_timestamp.map_or(Value::Unset, time))
            .push(ty)
            .push(val);
        rows.emit(&PUBLISH_DATA_CHANGE, changes_link);
    }
}

/// This module's logs (for their schemas).
pub(super) static LOGS: [&Log; 5] = [
    &CREATE_SUBSCRIPTION,
    &CREATE_MONITORED_ITEMS,
    &CREATE_ITEM,
    &PUBLISH,
    &PUBLISH_DATA_CHANGE,
];
