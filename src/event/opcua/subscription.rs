//! The bodies of the Subscription and MonitoredItem service sets (OPC
//! 10000-4, 5.12 and 5.13): what a client watches and the values the
//! server pushes back.

use super::{DataValue, DateTime, Diagnostics, ExtensionType, LinkedStatus, NodeId, ReadValueId};
use crate::id::Id;

/// CreateSubscriptionRequest (5.13.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSubscriptionRequest {
    /// Milliseconds.
    pub requested_publishing_interval: f64,
    pub requested_lifetime_count: u32,
    pub requested_max_keep_alive_count: u32,
    pub max_notifications_per_publish: u32,
    pub publishing_enabled: bool,
    pub priority: u8,
}

/// CreateSubscriptionResponse (5.13.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSubscriptionResponse {
    pub subscription_id: u32,
    /// Milliseconds.
    pub revised_publishing_interval: f64,
    pub revised_lifetime_count: u32,
    pub revised_max_keep_alive_count: u32,
}

/// MonitoredItemCreateRequest (5.12.2.2) and its MonitoringParameters
/// (7.21); of the filter, only its type.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitoredItemCreateRequest {
    pub item_to_monitor: ReadValueId,
    /// 0 disabled, 1 sampling, 2 reporting.
    pub monitoring_mode: u32,
    pub client_handle: u32,
    /// Milliseconds.
    pub sampling_interval: f64,
    pub filter: ExtensionType,
    pub queue_size: u32,
    pub discard_oldest: bool,
}

/// CreateMonitoredItemsRequest (5.12.2.2), with the link of its item rows
/// (set when it has any).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMonitoredItemsRequest {
    pub subscription_id: u32,
    pub timestamps_to_return: u32,
    pub items_link: Option<Id>,
    pub items_to_create: Vec<MonitoredItemCreateRequest>,
}

/// MonitoredItemCreateResult (5.12.2.2); the filter result is not kept.
#[derive(Clone, Debug, PartialEq)]
pub struct MonitoredItemCreateResult {
    pub status: LinkedStatus,
    pub monitored_item_id: u32,
    pub revised_sampling_interval: f64,
    pub revised_queue_size: u32,
}

/// CreateMonitoredItemsResponse (5.12.2.2), with the link of its result
/// rows (set when there are any).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMonitoredItemsResponse {
    pub results_link: Option<Id>,
    pub results: Vec<MonitoredItemCreateResult>,
    pub diagnostics: Diagnostics,
}

/// PublishRequest (5.13.5.2): the (subscription id, sequence number) of
/// each notification acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishRequest {
    pub acknowledgements: Vec<(u32, u32)>,
}

/// One value of a DataChangeNotification (7.25.2).
#[derive(Clone, Debug, PartialEq)]
pub struct MonitoredItemNotification {
    pub client_handle: u32,
    pub value: DataValue,
}

/// PublishResponse (5.13.5.2) and its NotificationMessage (7.22): the
/// types of its notifications, and the values of those that are
/// DataChangeNotifications (and decoded), with the link of their rows
/// (set when there are any).
#[derive(Clone, Debug, PartialEq)]
pub struct PublishResponse {
    pub subscription_id: u32,
    pub available_sequence_numbers: Vec<u32>,
    pub more_notifications: bool,
    pub sequence_number: u32,
    pub publish_time: DateTime,
    /// The type (binary encoding id) of each notification.
    pub notification_types: Vec<NodeId>,
    pub data_changes_link: Option<Id>,
    pub data_changes: Vec<MonitoredItemNotification>,
    /// One per acknowledgement of the request.
    pub results: Vec<u32>,
}
