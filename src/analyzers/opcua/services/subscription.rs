//! CreateSubscription, CreateMonitoredItems and Publish bodies.

use super::super::links::Links;
use super::super::own::{extension_type, node_id};
use super::super::value::data_value;
use super::attribute::read_value_id;
use super::diagnostics;
use crate::event::opcua::{self as ev, LinkedStatus};
use otwatch_parsers::opcua::services::{
    CreateMonitoredItemsRequest, CreateMonitoredItemsResponse, CreateSubscriptionRequest,
    CreateSubscriptionResponse, DataChangeNotification, PublishResponse,
};

pub fn create_subscription_request(b: &CreateSubscriptionRequest) -> ev::CreateSubscriptionRequest {
    ev::CreateSubscriptionRequest {
        requested_publishing_interval: b.requested_publishing_interval,
        requested_lifetime_count: b.requested_lifetime_count,
        requested_max_keep_alive_count: b.requested_max_keep_alive_count,
        max_notifications_per_publish: b.max_notifications_per_publish,
        publishing_enabled: b.publishing_enabled,
        priority: b.priority,
    }
}

pub fn create_subscription_response(
    b: &CreateSubscriptionResponse,
) -> ev::CreateSubscriptionResponse {
    ev::CreateSubscriptionResponse {
        subscription_id: b.subscription_id,
        revised_publishing_interval: b.revised_publishing_interval,
        revised_lifetime_count: b.revised_lifetime_count,
        revised_max_keep_alive_count: b.revised_max_keep_alive_count,
    }
}

pub fn create_monitored_items_request(
    b: &CreateMonitoredItemsRequest<'_>,
    links: &mut Links<'_>,
) -> ev::CreateMonitoredItemsRequest {
    ev::CreateMonitoredItemsRequest {
        subscription_id: b.subscription_id,
        timestamps_to_return: b.timestamps_to_return,
        items_link: (!b.items_to_create.is_empty()).then(|| links.next()),
        items_to_create: b
            .items_to_create
            .iter()
            .map(|i| {
                let p = &i.requested_parameters;
                ev::MonitoredItemCreateRequest {
                    item_to_monitor: read_value_id(&i.item_to_monitor),
                    monitoring_mode: i.monitoring_mode,
                    client_handle: p.client_handle,
                    sampling_interval: p.sampling_interval,
                    filter: extension_type(&p.filter),
                    queue_size: p.queue_size,
                    discard_oldest: p.discard_oldest,
                }
            })
            .collect(),
    }
}

/// The results' link, the diagnostics' link, then each result's status
/// link.
pub fn create_monitored_items_response(
    b: &CreateMonitoredItemsResponse<'_>,
    links: &mut Links<'_>,
) -> ev::CreateMonitoredItemsResponse {
    let results_link = (!b.results.is_empty()).then(|| links.next());
    let diagnostics = diagnostics(&b.diagnostic_infos, links);
    let results = b
        .results
        .iter()
        .map(|r| ev::MonitoredItemCreateResult {
            status: LinkedStatus {
                link: links.next(),
                code: r.status_code,
            },
            monitored_item_id: r.monitored_item_id,
            revised_sampling_interval: r.revised_sampling_interval,
            revised_queue_size: r.revised_queue_size,
        })
        .collect();
    ev::CreateMonitoredItemsResponse {
        results_link,
        results,
        diagnostics,
    }
}

/// The notifications' types, and the values of the DataChangeNotifications
/// that decode (with their link when there are any).
pub fn publish_response(b: &PublishResponse<'_>, links: &mut Links<'_>) -> ev::PublishResponse {
    let n = &b.notification_message;
    let data_changes: Vec<_> = n
        .notification_data
        .iter()
        .filter_map(DataChangeNotification::decode)
        .flatten()
        .flat_map(|c| c.monitored_items)
        .map(|item| ev::MonitoredItemNotification {
            client_handle: item.client_handle,
            value: data_value(&item.value),
        })
        .collect();
    ev::PublishResponse {
        subscription_id: b.subscription_id,
        available_sequence_numbers: b.available_sequence_numbers.clone(),
        more_notifications: b.more_notifications,
        sequence_number: n.sequence_number,
        publish_time: ev::DateTime(n.publish_time),
        notification_types: n
            .notification_data
            .iter()
            .map(|x| node_id(&x.type_id))
            .collect(),
        data_changes_link: (!data_changes.is_empty()).then(|| links.next()),
        data_changes,
        results: b.results.clone(),
    }
}
