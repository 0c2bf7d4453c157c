//! What to do when a CloudWatch call fails: a pure function of what the
//! failure was, so that the policy is tested without a server.

use std::time::Duration;

/// What a failed call said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The connection could not be made, or broke.
    Connect,
    Timeout,
    /// An HTTP status with the service's error code, if any.
    Http {
        status: u16,
        code: Option<String>,
    },
}

impl Failure {
    /// IAM refused the call: AWS says AccessDeniedException, a server in
    /// front of it may only say 403.
    pub fn denied(&self) -> bool {
        matches!(self, Failure::Http { status, code }
            if *status == 403 || code.as_deref() == Some("AccessDeniedException"))
    }
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Try again after this long.
    Retry(Duration),
    /// The stream or group vanished: create it, then try again.
    Recreate,
    /// Retrying cannot help (access denied, invalid parameter): report it
    /// and set the batch aside.
    Park,
}

/// The backoff of the `attempt`-th retry (0-based): exponential from
/// 200 ms, capped at 30 s, with `jitter` (0..1) of up to half of it.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let base = 200u64.saturating_mul(1 << attempt.min(12)).min(30_000);
    let j = (base as f64 * 0.5 * jitter.clamp(0.0, 1.0)) as u64;
    Duration::from_millis(base - base / 2 + j + base / 4)
}

pub fn classify(f: &Failure, attempt: u32, jitter: f64) -> Action {
    let retry = Action::Retry(backoff(attempt, jitter));
    match f {
        Failure::Connect | Failure::Timeout => retry,
        Failure::Http { status, code } => match code.as_deref() {
            Some(
                "ThrottlingException"
                | "ServiceUnavailableException"
                | "RequestTimeout"
                | "LimitExceededException"
                | "OperationAbortedException",
            ) => retry,
            Some("ResourceNotFoundException") => Action::Recreate,
            Some(
                "AccessDeniedException"
                | "UnrecognizedClientException"
                | "InvalidParameterException"
                | "InvalidSequenceTokenException"
                | "DataAlreadyAcceptedException"
                | "ValidationException",
            ) => Action::Park,
            _ if *status == 429 || *status >= 500 => retry,
            _ if *status == 403 || *status == 400 => Action::Park,
            _ => retry,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, code: &str) -> Failure {
        Failure::Http {
            status,
            code: Some(code.into()),
        }
    }

    #[test]
    fn a_refusal_by_iam_is_access_denied_or_a_bare_403() {
        assert!(http(400, "AccessDeniedException").denied());
        assert!(Failure::Http {
            status: 403,
            code: None
        }
        .denied());
        assert!(!http(400, "ResourceAlreadyExistsException").denied());
        assert!(!Failure::Connect.denied());
    }

    #[test]
    fn transient_failures_retry_and_permanent_ones_park() {
        for f in [
            Failure::Connect,
            Failure::Timeout,
            http(400, "ThrottlingException"),
            http(503, "ServiceUnavailableException"),
            Failure::Http {
                status: 500,
                code: None,
            },
            Failure::Http {
                status: 429,
                code: None,
            },
        ] {
            assert!(matches!(classify(&f, 0, 0.5), Action::Retry(_)), "{f:?}");
        }
        for f in [
            http(400, "AccessDeniedException"),
            http(400, "InvalidParameterException"),
            Failure::Http {
                status: 403,
                code: None,
            },
        ] {
            assert_eq!(classify(&f, 3, 0.5), Action::Park, "{f:?}");
        }
        assert_eq!(
            classify(&http(400, "ResourceNotFoundException"), 0, 0.0),
            Action::Recreate
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        assert!(backoff(0, 0.0) < backoff(3, 0.0));
        assert!(backoff(20, 1.0) <= Duration::from_secs(45));
        assert!(backoff(2, 1.0) > backoff(2, 0.0), "jitter adds");
    }
}
