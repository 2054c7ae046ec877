//! Request kinds, statuses and channels: the codes of the rules, as types.

use std::fmt;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("unknown {what} code")]
pub struct UnknownCode {
    what: &'static str,
}

/// Generates a closed enum whose variants map one-to-one to stable text codes.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Result<Self, UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { what: $what }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

coded_enum!(
    /// What the consumer asks for (ccpa-rules §1).
    RequestKind, "request kind" {
        KnowCategories => "know_categories",
        KnowSpecific => "know_specific",
        Delete => "delete",
        Correct => "correct",
        OptOut => "opt_out",
        LimitSensitive => "limit_sensitive",
    }
);

coded_enum!(
    /// Where a request is in its life (ccpa-rules §3).
    RequestStatus, "request status" {
        Received => "received",
        AwaitingVerification => "awaiting_verification",
        Verified => "verified",
        InProgress => "in_progress",
        Fulfilled => "fulfilled",
        PartiallyFulfilled => "partially_fulfilled",
        Denied => "denied",
        Withdrawn => "withdrawn",
        ClosedUnverified => "closed_unverified",
    }
);

coded_enum!(
    /// How a request reached the business.
    Channel, "channel" {
        Web => "web",
        AgentWeb => "agent_web",
        Drp => "drp",
        Gpc => "gpc",
    }
);

coded_enum!(
    /// How far back a request to know reaches (reg. §7024(h)).
    Lookback, "lookback" {
        TwelveMonths => "12_months",
        Since2022 => "since_2022",
    }
);

impl RequestKind {
    /// Opt-out and limit requests need no identity verification and run on the
    /// 15-business-day clock; the others need verification and run on 10 + 45 days.
    pub fn needs_verification(self) -> bool {
        !matches!(self, RequestKind::OptOut | RequestKind::LimitSensitive)
    }

    pub fn is_know(self) -> bool {
        matches!(
            self,
            RequestKind::KnowCategories | RequestKind::KnowSpecific
        )
    }

    /// The status a new request of this kind starts in.
    pub fn initial_status(self) -> RequestStatus {
        if self.needs_verification() {
            RequestStatus::AwaitingVerification
        } else {
            RequestStatus::Received
        }
    }

    /// A short plain-language title.
    pub fn title(self) -> &'static str {
        match self {
            RequestKind::KnowCategories => "Know what personal information is collected",
            RequestKind::KnowSpecific => "Get a copy of your personal information",
            RequestKind::Delete => "Delete your personal information",
            RequestKind::Correct => "Correct your personal information",
            RequestKind::OptOut => "Do Not Sell or Share My Personal Information",
            RequestKind::LimitSensitive => "Limit the Use of My Sensitive Personal Information",
        }
    }

    /// One sentence on what the right gives.
    pub fn summary(self) -> &'static str {
        match self {
            RequestKind::KnowCategories => {
                "Find out which kinds of personal information we collect about you, where it comes from, why we use it and who we share it with."
            }
            RequestKind::KnowSpecific => {
                "Receive a copy of the specific pieces of personal information we hold about you, in a file you can download and reuse."
            }
            RequestKind::Delete => {
                "Ask us to delete the personal information we collected from you."
            }
            RequestKind::Correct => {
                "Tell us about personal information we hold that is wrong, and what it should say."
            }
            RequestKind::OptOut => {
                "Tell us to stop selling or sharing your personal information. No identity check is needed."
            }
            RequestKind::LimitSensitive => {
                "Tell us to use your sensitive personal information only for what is needed to serve you. No identity check is needed."
            }
        }
    }
}

impl RequestStatus {
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            RequestStatus::Fulfilled
                | RequestStatus::PartiallyFulfilled
                | RequestStatus::Denied
                | RequestStatus::Withdrawn
                | RequestStatus::ClosedUnverified
        )
    }

    /// The status as a consumer reads it.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Received => "Received",
            RequestStatus::AwaitingVerification => "Waiting for you to confirm your e-mail address",
            RequestStatus::Verified => "Identity confirmed",
            RequestStatus::InProgress => "Being processed",
            RequestStatus::Fulfilled => "Completed",
            RequestStatus::PartiallyFulfilled => "Partly completed",
            RequestStatus::Denied => "Declined",
            RequestStatus::Withdrawn => "Withdrawn",
            RequestStatus::ClosedUnverified => "Closed: identity could not be verified",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.code()), Ok(*kind));
        }
        for status in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(status.code()), Ok(*status));
        }
        assert!(RequestKind::parse("access").is_err());
        assert!(RequestKind::parse("").is_err());
    }

    #[test]
    fn only_opt_out_and_limit_skip_verification() {
        let skipping: Vec<_> = RequestKind::ALL
            .iter()
            .filter(|k| !k.needs_verification())
            .collect();
        assert_eq!(
            skipping,
            [&RequestKind::OptOut, &RequestKind::LimitSensitive]
        );
        assert_eq!(
            RequestKind::Delete.initial_status(),
            RequestStatus::AwaitingVerification
        );
        assert_eq!(
            RequestKind::OptOut.initial_status(),
            RequestStatus::Received
        );
    }
}
