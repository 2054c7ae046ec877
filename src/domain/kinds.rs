//! Request kinds, statuses and channels: the codes of the rules, as types.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("unknown {what} code")]
pub struct UnknownCode {
    what: &'static str,
}

impl UnknownCode {
    pub const TRACKING_CODE: UnknownCode = UnknownCode { what: "tracking" };

    /// An unknown code of a coded enum defined outside this module.
    pub const fn of(what: &'static str) -> Self {
        UnknownCode { what }
    }
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

            pub fn parse(code: &str) -> Result<Self, $crate::domain::kinds::UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::domain::kinds::UnknownCode::of($what)),
                }
            }
        }

        /// Rows are decoded once, at the store boundary: an unknown code is an error,
        /// never a default.
        impl TryFrom<String> for $name {
            type Error = $crate::domain::kinds::UnknownCode;
            fn try_from(code: String) -> Result<Self, $crate::domain::kinds::UnknownCode> {
                Self::parse(&code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use coded_enum;

coded_enum!(
    /// What the consumer asks for: the six rights of ccpa-rules §1, opting back in to
    /// sale/sharing, which only an agent asks for (over DRP) and only the consumer
    /// confirms, and a "Shine the Light" request (Civ. §1798.83), which is not a CCPA
    /// right.
    RequestKind, "request kind" {
        KnowCategories => "know_categories",
        KnowSpecific => "know_specific",
        Delete => "delete",
        Correct => "correct",
        OptOut => "opt_out",
        LimitSensitive => "limit_sensitive",
        OptIn => "opt_in",
        ShineTheLight => "shine_the_light",
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
        Phone => "phone",
        Mail => "mail",
        Email => "email",
        InPerson => "in_person",
    }
);

impl Channel {
    /// The channels staff enter requests from, after receiving them by phone, mail,
    /// e-mail or in person (reg. §7020): the only ones whose requests may come without
    /// an e-mail address.
    pub const STAFF_ENTERED: &'static [Channel] = &[
        Channel::Phone,
        Channel::Mail,
        Channel::Email,
        Channel::InPerson,
    ];

    pub fn is_staff_entered(self) -> bool {
        Self::STAFF_ENTERED.contains(&self)
    }
}

coded_enum!(
    /// A format a consumer asks the response in, besides the usual one (reg. §7003:
    /// accessible to consumers with disabilities).
    ResponseFormat, "response format" {
        LargePrint => "large_print",
        Audio => "audio",
        Braille => "braille",
        Other => "other",
    }
);

coded_enum!(
    /// A piece of identifying information matched against the business's records (reg.
    /// §7060–7062). Each counts once per request, however often it is matched.
    DataPoint, "data point" {
        Email => "email",
        PhoneNumber => "phone_number",
        PostalAddress => "postal_address",
        Name => "name",
        DateOfBirth => "date_of_birth",
        AccountNumber => "account_number",
        RecentTransaction => "recent_transaction",
        Other => "other",
    }
);

coded_enum!(
    /// What an agent who filed in the browser holds (reg. §7063).
    Authority, "agent authority" {
        SignedPermission => "signed_permission",
        PowerOfAttorney => "power_of_attorney",
        ParentGuardian => "parent_guardian",
    }
);

impl Authority {
    /// A power of attorney, or a parent or guardian of a child under 13 (reg. §7070):
    /// the filer stands in the consumer's shoes, so the consumer gets no link, the filer
    /// signs the declaration for specific pieces, and staff check the document.
    pub fn stands_in_for_consumer(self) -> bool {
        matches!(self, Authority::PowerOfAttorney | Authority::ParentGuardian)
    }

    /// Whether the filer must attach a document: the consumer's signed permission, or
    /// the proof that the filer is the child's parent or guardian.
    pub fn needs_document(self) -> bool {
        matches!(
            self,
            Authority::SignedPermission | Authority::ParentGuardian
        )
    }
}

coded_enum!(
    /// Where an agent's authority stands: confirmed by the consumer's link, accepted by
    /// staff, or rejected by either.
    AuthorityState, "agent authority state" {
        Pending => "pending",
        Confirmed => "confirmed",
        Accepted => "accepted",
        Rejected => "rejected",
    }
);

coded_enum!(
    /// What a link e-mailed to a consumer is for; a re-sent link or a reminder keeps it.
    LinkPurpose, "link purpose" {
        VerifyEmail => "verify_email",
        ConfirmAgent => "confirm_agent",
        ConfirmOptIn => "confirm_opt_in",
    }
);

coded_enum!(
    /// What an audit event records. Every writer names one of these, and a stored event
    /// whose action is not among them is an error when read.
    EventKind, "event kind" {
        Submitted => "submitted",
        EmailVerified => "email_verified",
        DataPointRecorded => "data_point_recorded",
        DataPointClaimed => "data_point_claimed",
        AgentAuthorityConfirmed => "agent_authority_confirmed",
        AgentAuthorityAccepted => "agent_authority_accepted",
        AgentAuthorityRejected => "agent_authority_rejected",
        ProcessingStarted => "processing_started",
        Fulfilled => "fulfilled",
        PartiallyFulfilled => "partially_fulfilled",
        OptOutApplied => "opt_out_applied",
        Denied => "denied",
        ClosedUnverified => "closed_unverified",
        Withdrawn => "withdrawn",
        Revoked => "revoked",
        OptedIn => "opted_in",
        OptInDeclined => "opt_in_declined",
        OptInNotAppliedGpc => "opt_in_not_applied_gpc",
        DeadlineExtended => "deadline_extended",
        NoteAdded => "note_added",
        Assigned => "assigned",
        VerificationReminderSent => "verification_reminder_sent",
        VerificationLinkRequested => "verification_link_requested",
        BecameOverdue => "became_overdue",
        MailSuppressed => "mail_suppressed",
        DownloadLinkReissued => "download_link_reissued",
        TaskCompleted => "task_completed",
        UndesignatedAddressMarked => "stl_undesignated_address",
        ShineTheLightLinked => "stl_linked",
        RecordMissingAlerted => "stl_record_missing",
    }
);

impl EventKind {
    /// The event as a sentence fragment staff read in the trail.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Submitted => "Request received",
            EventKind::EmailVerified => "Consumer confirmed their e-mail address",
            EventKind::DataPointRecorded => "Data point matched",
            EventKind::DataPointClaimed => "Data point claimed by an untrusted agent (not counted)",
            EventKind::AgentAuthorityConfirmed => "Consumer confirmed the agent's authority",
            EventKind::AgentAuthorityAccepted => "Staff accepted the agent's authority",
            EventKind::AgentAuthorityRejected => "Agent's authority rejected",
            EventKind::ProcessingStarted => "Work started",
            EventKind::Fulfilled => "Fulfilled",
            EventKind::PartiallyFulfilled => "Fulfilled in part",
            EventKind::OptOutApplied => "Applied and added to the suppression list",
            EventKind::Denied => "Denied",
            EventKind::ClosedUnverified => "Closed: verification not completed",
            EventKind::Withdrawn => "Withdrawn",
            EventKind::Revoked => "Revoked by the agent",
            EventKind::OptedIn => "Consumer confirmed the opt-in",
            EventKind::OptInDeclined => "Consumer declined the opt-in",
            EventKind::OptInNotAppliedGpc => "Opt-in not applied: the browser sent a GPC signal",
            EventKind::DeadlineExtended => "Deadline extended",
            EventKind::NoteAdded => "Note added",
            EventKind::Assigned => "Assigned",
            EventKind::VerificationReminderSent => "Verification reminder sent",
            EventKind::VerificationLinkRequested => "New link asked for",
            EventKind::BecameOverdue => "Became overdue",
            EventKind::MailSuppressed => "E-mail not sent: daily limit for this address",
            EventKind::DownloadLinkReissued => {
                "Fresh download link sent; the earlier one stopped working"
            }
            EventKind::TaskCompleted => "A recipient's task recorded as done or not done",
            EventKind::UndesignatedAddressMarked => {
                "Marked as received at an address the business did not designate: due in 150 days"
            }
            EventKind::ShineTheLightLinked => {
                "Linked to the customer's open Shine the Light request of this year"
            }
            EventKind::RecordMissingAlerted => {
                "Staff alerted: the year's direct-marketing disclosures are not recorded"
            }
        }
    }
}

coded_enum!(
    /// What a staff member may do: admins also manage staff and agents.
    Role, "staff role" {
        Admin => "admin",
        Reviewer => "reviewer",
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
    /// The consumer's rights (ccpa-rules §1): what the home page lists and what
    /// `/requests/new/{kind}` offers a form for. Opting back in is not among them.
    pub const RIGHTS: &'static [RequestKind] = &[
        RequestKind::KnowCategories,
        RequestKind::KnowSpecific,
        RequestKind::Delete,
        RequestKind::Correct,
        RequestKind::OptOut,
        RequestKind::LimitSensitive,
    ];

    /// Every kind a consumer may ask for, by any channel: the rights, and a "Shine the
    /// Light" request (Civ. §1798.83). Staff intake offers each.
    pub const FILEABLE: &'static [RequestKind] = &[
        RequestKind::KnowCategories,
        RequestKind::KnowSpecific,
        RequestKind::Delete,
        RequestKind::Correct,
        RequestKind::OptOut,
        RequestKind::LimitSensitive,
        RequestKind::ShineTheLight,
    ];

    /// One of [`Self::FILEABLE`].
    pub fn parse_fileable(code: &str) -> Result<Self, UnknownCode> {
        Self::parse(code).and_then(|kind| {
            if Self::FILEABLE.contains(&kind) {
                Ok(kind)
            } else {
                Err(UnknownCode {
                    what: "kind of request",
                })
            }
        })
    }

    /// A kind a consumer may file with a form: one of [`Self::RIGHTS`].
    pub fn parse_right(code: &str) -> Result<Self, UnknownCode> {
        Self::parse(code).and_then(|kind| {
            if Self::RIGHTS.contains(&kind) {
                Ok(kind)
            } else {
                Err(UnknownCode {
                    what: "consumer right",
                })
            }
        })
    }

    /// Opt-out and limit requests need no identity verification and run on the
    /// 15-business-day clock; the others need verification and run on 10 + 45 days.
    /// An opt-in waits for the consumer's own confirmation, which is a verification
    /// too, but it has no legal clock (see `Deadlines::for_opt_in`).
    pub fn needs_verification(self) -> bool {
        !matches!(self, RequestKind::OptOut | RequestKind::LimitSensitive)
    }

    /// Whether the law sets this request's deadline. An opt-in's `respond_by` is only
    /// when it lapses, with nothing for staff to do before it.
    pub fn has_legal_deadline(self) -> bool {
        self != RequestKind::OptIn
    }

    /// A "Shine the Light" request (Civ. §1798.83) is not a CCPA request: it is kept
    /// out of the §7102 metrics and of the Data Rights Protocol.
    pub fn is_ccpa(self) -> bool {
        self != RequestKind::ShineTheLight
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
            RequestKind::OptIn => "Opt back in to sale/sharing",
            RequestKind::ShineTheLight => {
                "Ask who we share your information with for their direct marketing"
            }
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
            RequestKind::OptIn => {
                "Let us sell or share your personal information again, after you opted out. It takes effect only when you confirm it from the link we e-mail you."
            }
            RequestKind::ShineTheLight => {
                "Once a year, find out which kinds of personal information we gave other companies for their own direct marketing last year, and which companies they were (California Civil Code §1798.83)."
            }
        }
    }

    /// The status as the consumer reads it for a request of this kind: an opt-in waits
    /// for the consumer's confirmation, not for their identity.
    pub fn status_label(self, status: RequestStatus) -> &'static str {
        match (self, status) {
            (RequestKind::OptIn, RequestStatus::AwaitingVerification) => {
                "Waiting for you to confirm the opt-in from the link we e-mailed you"
            }
            (RequestKind::OptIn, RequestStatus::Fulfilled) => "Completed: you opted back in",
            (RequestKind::OptIn, RequestStatus::ClosedUnverified) => {
                "Closed: the opt-in was not confirmed, so your opt-out stays in place"
            }
            _ => status.label(),
        }
    }

    /// Why a request still unconfirmed at `respond_by` was closed: the outcome kept on
    /// the request and shown to the consumer and the agent.
    pub fn closed_unverified_reason(self) -> &'static str {
        match self {
            RequestKind::OptIn => {
                "The opt-in was not confirmed by the consumer in time, so it was not applied; the opt-out stays in place."
            }
            _ => "Identity could not be verified.",
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

impl DataPoint {
    /// How staff read the point.
    pub fn label(self) -> &'static str {
        match self {
            DataPoint::Email => "E-mail address (control shown by the link)",
            DataPoint::PhoneNumber => "Phone number",
            DataPoint::PostalAddress => "Postal address",
            DataPoint::Name => "Name",
            DataPoint::DateOfBirth => "Date of birth",
            DataPoint::AccountNumber => "Account or customer number",
            DataPoint::RecentTransaction => "A recent transaction",
            DataPoint::Other => "Other information matched",
        }
    }

    /// A point as DRP names it in a `*_verified` claim.
    pub fn of_drp_claim(claim: &str) -> Option<Self> {
        match claim {
            "email" => Some(DataPoint::Email),
            "phone_number" => Some(DataPoint::PhoneNumber),
            "address" | "postal_address" => Some(DataPoint::PostalAddress),
            _ => None,
        }
    }
}

impl LinkPurpose {
    /// The link a request's consumer gets, and keeps getting when a new one is sent: an
    /// opt-in's confirms the opt-in, an agent's filing with signed permission confirms
    /// (or rejects) the agent, every other one confirms the e-mail address. A power of
    /// attorney gets none (reg. §7063(b)).
    pub fn of_request(kind: RequestKind, authority: Option<Authority>) -> Option<Self> {
        match (kind, authority) {
            (RequestKind::OptIn, _) => Some(LinkPurpose::ConfirmOptIn),
            (_, Some(Authority::PowerOfAttorney | Authority::ParentGuardian)) => None,
            (_, Some(Authority::SignedPermission)) => Some(LinkPurpose::ConfirmAgent),
            (_, None) => Some(LinkPurpose::VerifyEmail),
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
        for event in EventKind::ALL {
            assert_eq!(EventKind::parse(event.code()), Ok(*event));
            assert!(!event.label().is_empty());
        }
        for role in Role::ALL {
            assert_eq!(Role::try_from(role.code().to_string()), Ok(*role));
        }
        assert!(EventKind::parse("identity_verified").is_err());
        assert!(Role::parse("owner").is_err());
        assert!(RequestKind::parse("access").is_err());
        assert!(RequestKind::parse("").is_err());
    }

    #[test]
    fn opting_back_in_is_a_kind_but_not_a_right_with_a_form() {
        assert_eq!(RequestKind::parse("opt_in"), Ok(RequestKind::OptIn));
        assert!(RequestKind::parse_right("opt_in").is_err());
        assert_eq!(RequestKind::parse_right("opt_out"), Ok(RequestKind::OptOut));
        assert_eq!(RequestKind::RIGHTS.len(), 6);
        assert!(
            RequestKind::RIGHTS
                .iter()
                .all(|k| RequestKind::FILEABLE.contains(k))
        );
        assert_eq!(
            RequestKind::parse_fileable("shine_the_light"),
            Ok(RequestKind::ShineTheLight)
        );
        assert!(RequestKind::parse_fileable("opt_in").is_err());
        assert!(!RequestKind::RIGHTS.contains(&RequestKind::OptIn));
        assert_eq!(
            RequestKind::OptIn.initial_status(),
            RequestStatus::AwaitingVerification
        );
        assert_eq!(RequestKind::OptIn.title(), "Opt back in to sale/sharing");
        assert!(
            !RequestKind::OptIn
                .status_label(RequestStatus::ClosedUnverified)
                .contains("identity")
        );
        assert_eq!(
            RequestKind::Delete.status_label(RequestStatus::ClosedUnverified),
            RequestStatus::ClosedUnverified.label()
        );
    }

    #[test]
    fn shine_the_light_is_a_kind_with_its_own_page_but_no_ccpa_right() {
        let stl = RequestKind::ShineTheLight;
        assert_eq!(RequestKind::parse("shine_the_light"), Ok(stl));
        assert!(
            !RequestKind::RIGHTS.contains(&stl),
            "its own page, not the CCPA form"
        );
        assert!(RequestKind::parse_right("shine_the_light").is_err());
        assert!(!stl.is_ccpa() && RequestKind::RIGHTS.iter().all(|k| k.is_ccpa()));
        assert!(stl.needs_verification() && stl.has_legal_deadline());
        assert_eq!(stl.initial_status(), RequestStatus::AwaitingVerification);
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
