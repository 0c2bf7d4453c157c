//! Subscription services (OPC 10000-4, 5.13 and 5.12): CreateSubscription,
//! CreateMonitoredItems and Publish.

use super::attribute::ReadValueId;
use crate::opcua::types::{DataValue, DiagnosticInfo, ExtensionBody, ExtensionObject};
use crate::opcua::Decoder;
use crate::Error;

/// CreateSubscriptionRequest (OPC 10000-4, 5.13.2.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CreateSubscriptionRequest {
    /// RequestedPublishingInterval in milliseconds.
    pub requested_publishing_interval: f64,
    /// RequestedLifetimeCount.
    pub requested_lifetime_count: u32,
    /// RequestedMaxKeepAliveCount.
    pub requested_max_keep_alive_count: u32,
    /// MaxNotificationsPerPublish (0: no limit).
    pub max_notifications_per_publish: u32,
    /// PublishingEnabled.
    pub publishing_enabled: bool,
    /// Priority.
    pub priority: u8,
}

impl CreateSubscriptionRequest {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, Error> {
        Ok(CreateSubscriptionRequest {
            requested_publishing_interval: d.f64()?,
            requested_lifetime_count: d.u32()?,
            requested_max_keep_alive_count: d.u32()?,
            max_notifications_per_publish: d.u32()?,
            publishing_enabled: d.bool()?,
            priority: d.u8()?,
        })
    }
}

/// CreateSubscriptionResponse (OPC 10000-4, 5.13.2.2), after its header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CreateSubscriptionResponse {
    /// SubscriptionId.
    pub subscription_id: u32,
    /// RevisedPublishingInterval in milliseconds.
    pub revised_publishing_interval: f64,
    /// RevisedLifetimeCount.
    pub revised_lifetime_count: u32,
    /// RevisedMaxKeepAliveCount.
    pub revised_max_keep_alive_count: u32,
}

impl CreateSubscriptionResponse {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, Error> {
        Ok(CreateSubscriptionResponse {
            subscription_id: d.u32()?,
            revised_publishing_interval: d.f64()?,
            revised_lifetime_count: d.u32()?,
            revised_max_keep_alive_count: d.u32()?,
        })
    }
}

/// MonitoringParameters (OPC 10000-4, 7.21).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonitoringParameters<'a> {
    /// ClientHandle.
    pub client_handle: u32,
    /// SamplingInterval in milliseconds.
    pub sampling_interval: f64,
    /// Filter (DataChangeFilter, EventFilter, AggregateFilter or none).
    pub filter: ExtensionObject<'a>,
    /// QueueSize.
    pub queue_size: u32,
    /// DiscardOldest.
    pub discard_oldest: bool,
}

/// MonitoredItemCreateRequest (OPC 10000-4, 5.12.2.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonitoredItemCreateRequest<'a> {
    /// ItemToMonitor.
    pub item_to_monitor: ReadValueId<'a>,
    /// MonitoringMode: 0 disabled, 1 sampling, 2 reporting.
    pub monitoring_mode: u32,
    /// RequestedParameters.
    pub requested_parameters: MonitoringParameters<'a>,
}

/// CreateMonitoredItemsRequest (OPC 10000-4, 5.12.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMonitoredItemsRequest<'a> {
    /// SubscriptionId.
    pub subscription_id: u32,
    /// TimestampsToReturn.
    pub timestamps_to_return: u32,
    /// ItemsToCreate.
    pub items_to_create: Vec<MonitoredItemCreateRequest<'a>>,
}

impl<'a> CreateMonitoredItemsRequest<'a> {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(CreateMonitoredItemsRequest {
            subscription_id: d.u32()?,
            timestamps_to_return: d.u32()?,
            items_to_create: d.array_or_empty(|d| {
                Ok(MonitoredItemCreateRequest {
                    item_to_monitor: ReadValueId::decode(d)?,
                    monitoring_mode: d.u32()?,
                    requested_parameters: MonitoringParameters {
                        client_handle: d.u32()?,
                        sampling_interval: d.f64()?,
                        filter: d.extension_object()?,
                        queue_size: d.u32()?,
                        discard_oldest: d.bool()?,
                    },
                })
            })?,
        })
    }
}

/// MonitoredItemCreateResult (OPC 10000-4, 5.12.2.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonitoredItemCreateResult<'a> {
    /// StatusCode.
    pub status_code: u32,
    /// MonitoredItemId.
    pub monitored_item_id: u32,
    /// RevisedSamplingInterval in milliseconds.
    pub revised_sampling_interval: f64,
    /// RevisedQueueSize.
    pub revised_queue_size: u32,
    /// FilterResult.
    pub filter_result: ExtensionObject<'a>,
}

/// CreateMonitoredItemsResponse (OPC 10000-4, 5.12.2.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateMonitoredItemsResponse<'a> {
    /// Results, one per item.
    pub results: Vec<MonitoredItemCreateResult<'a>>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> CreateMonitoredItemsResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(CreateMonitoredItemsResponse {
            results: d.array_or_empty(|d| {
                Ok(MonitoredItemCreateResult {
                    status_code: d.status_code()?,
                    monitored_item_id: d.u32()?,
                    revised_sampling_interval: d.f64()?,
                    revised_queue_size: d.u32()?,
                    filter_result: d.extension_object()?,
                })
            })?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}

/// PublishRequest (OPC 10000-4, 5.13.5.2), after its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishRequest {
    /// SubscriptionAcknowledgements: (subscription id, sequence number).
    pub acknowledgements: Vec<(u32, u32)>,
}

impl PublishRequest {
    /// Decodes the fields after the RequestHeader.
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, Error> {
        Ok(PublishRequest {
            acknowledgements: d.array_or_empty(|d| Ok((d.u32()?, d.u32()?)))?,
        })
    }
}

/// NotificationMessage (OPC 10000-4, 7.22).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationMessage<'a> {
    /// SequenceNumber.
    pub sequence_number: u32,
    /// PublishTime.
    pub publish_time: i64,
    /// NotificationData (DataChangeNotification, EventNotificationList,
    /// StatusChangeNotification), bodies kept as bytes.
    pub notification_data: Vec<ExtensionObject<'a>>,
}

/// PublishResponse (OPC 10000-4, 5.13.5.2), after its header.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishResponse<'a> {
    /// SubscriptionId.
    pub subscription_id: u32,
    /// AvailableSequenceNumbers.
    pub available_sequence_numbers: Vec<u32>,
    /// MoreNotifications.
    pub more_notifications: bool,
    /// NotificationMessage.
    pub notification_message: NotificationMessage<'a>,
    /// Results of the acknowledgements.
    pub results: Vec<u32>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> PublishResponse<'a> {
    /// Decodes the fields after the ResponseHeader.
    pub fn decode(d: &mut Decoder<'a>) -> Result<Self, Error> {
        Ok(PublishResponse {
            subscription_id: d.u32()?,
            available_sequence_numbers: d.array_or_empty(Decoder::u32)?,
            more_notifications: d.bool()?,
            notification_message: NotificationMessage {
                sequence_number: d.u32()?,
                publish_time: d.date_time()?,
                notification_data: d.array_or_empty(Decoder::extension_object)?,
            },
            results: d.array_or_empty(Decoder::status_code)?,
            diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
        })
    }
}

/// Binary encoding id of DataChangeNotification.
pub const DATA_CHANGE_NOTIFICATION: u32 = 811;

/// One changed value of a DataChangeNotification (OPC 10000-4, 7.25.2).
#[derive(Clone, Debug, PartialEq)]
pub struct MonitoredItemNotification<'a> {
    /// ClientHandle of the monitored item.
    pub client_handle: u32,
    /// The new value.
    pub value: DataValue<'a>,
}

/// A DataChangeNotification (OPC 10000-4, 7.25.2): the values a
/// subscription publishes.
#[derive(Clone, Debug, PartialEq)]
pub struct DataChangeNotification<'a> {
    /// MonitoredItems.
    pub monitored_items: Vec<MonitoredItemNotification<'a>>,
    /// DiagnosticInfos.
    pub diagnostic_infos: Vec<DiagnosticInfo<'a>>,
}

impl<'a> DataChangeNotification<'a> {
    /// Decodes the body of `x` when it is a binary DataChangeNotification;
    /// `None` for other notification types.
    pub fn decode(x: &ExtensionObject<'a>) -> Option<Result<Self, Error>> {
        let (Some(DATA_CHANGE_NOTIFICATION), ExtensionBody::Binary(body)) =
            (x.type_id.ns0_numeric(), x.body)
        else {
            return None;
        };
        let mut d = Decoder::new(body.bytes().unwrap_or_default());
        Some((|| {
            Ok(DataChangeNotification {
                monitored_items: d.array_or_empty(|d| {
                    Ok(MonitoredItemNotification {
                        client_handle: d.u32()?,
                        value: d.data_value()?,
                    })
                })?,
                diagnostic_infos: d.array_or_empty(Decoder::diagnostic_info)?,
            })
        })())
    }
}
