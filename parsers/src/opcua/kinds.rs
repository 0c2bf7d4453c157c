//! Which OPC UA services are requests and which are responses, keyed by
//! the numeric NodeId of their binary encoding in namespace 0 (OPC
//! 10000-4 service definitions; the ids are those of the
//! `*_Encoding_DefaultBinary` nodes of OPC 10000-6). The services' names
//! are the logs' business, not the parser's.

/// What a service body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// A service request (`...Request`).
    Request,
    /// A service response (`...Response`).
    Response,
    /// ServiceFault, the response of a service that failed.
    Fault,
}

/// The kind of a message body whose type NodeId is `i=<id>`, `None` for
/// ids that do not name a service.
pub fn service_kind(id: u32) -> Option<ServiceKind> {
    Some(match id {
        397 => ServiceKind::Fault,
        410 | 416 | 422 | 428 | 437 | 446 | 452 | 461 | 467 | 473 | 479 | 488 | 494 | 500 | 506
        | 527 | 533 | 554 | 560 | 566 | 615 | 621 | 631 | 664 | 673 | 700 | 712 | 751 | 763
        | 769 | 775 | 781 | 787 | 793 | 799 | 826 | 832 | 841 | 847 | 12208 | 12211 => {
            ServiceKind::Request
        }
        413 | 419 | 425 | 431 | 440 | 449 | 455 | 464 | 470 | 476 | 482 | 491 | 497 | 503 | 509
        | 530 | 536 | 557 | 563 | 569 | 618 | 624 | 634 | 667 | 676 | 703 | 715 | 754 | 766
        | 772 | 778 | 784 | 790 | 796 | 802 | 829 | 835 | 844 | 850 | 12209 | 12212 => {
            ServiceKind::Response
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses_are_told_apart() {
        assert_eq!(service_kind(446), Some(ServiceKind::Request));
        assert_eq!(service_kind(829), Some(ServiceKind::Response));
        assert_eq!(service_kind(397), Some(ServiceKind::Fault));
        assert_eq!(service_kind(12212), Some(ServiceKind::Response));
        assert_eq!(service_kind(0), None);
        assert_eq!(
            service_kind(324),
            None,
            "a UserNameIdentityToken is not a service"
        );
    }
}
