//! What consumers read, in their language: Fluent message files under `locales/`, one
//! folder per language, embedded in the binary at compile time and parsed once. Pages
//! and e-mails get a [`Tr`] and ask it for messages by id; plurals and dates are the
//! files' business, so a translator changes words without touching code. A message
//! missing in Spanish falls back to English (the unit test below keeps that from
//! happening), and one missing in both shows its id rather than failing a page.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::domain::intake::FieldErrors;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::lang::{Lang, Msg, MsgArg};

/// The message files, by language. Every language has the same files with the same
/// message ids and the same placeholders (checked by the tests below).
const FILES: &[(Lang, &str, &str)] = &[
    (
        Lang::En,
        "pages.ftl",
        include_str!("../locales/en/pages.ftl"),
    ),
    (
        Lang::En,
        "forms.ftl",
        include_str!("../locales/en/forms.ftl"),
    ),
    (Lang::En, "mail.ftl", include_str!("../locales/en/mail.ftl")),
    (
        Lang::Es,
        "pages.ftl",
        include_str!("../locales/es/pages.ftl"),
    ),
    (
        Lang::Es,
        "forms.ftl",
        include_str!("../locales/es/forms.ftl"),
    ),
    (Lang::Es, "mail.ftl", include_str!("../locales/es/mail.ftl")),
];

struct Bundles {
    en: FluentBundle<FluentResource>,
    es: FluentBundle<FluentResource>,
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles {
    en: bundle(Lang::En),
    es: bundle(Lang::Es),
});

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("a valid language tag");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around values: they end up in e-mail subjects and
    // plain-text bodies, where they show as stray characters in some clients.
    bundle.set_use_isolating(false);
    for (_, name, source) in FILES.iter().filter(|(l, _, _)| *l == lang) {
        let resource = FluentResource::try_new((*source).to_string())
            .unwrap_or_else(|(_, errors)| panic!("locales/{lang}/{name}: {errors:?}"));
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("locales/{lang}/{name}: {errors:?}"));
    }
    bundle
}

/// Whether the English files define `key` (every language does, by the tests).
fn has_message(key: &str) -> bool {
    BUNDLES.en.has_message(key)
}

/// The translator a page or an e-mail is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr {
    lang: Lang,
}

impl Tr {
    pub const fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The `lang` attribute and `?lang=` code.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// A message without arguments.
    pub fn get(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// A message with one argument.
    pub fn arg(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.format(key, Some(&args))
    }

    /// A message with a number, which may choose among plural forms.
    pub fn count(&self, key: &str, name: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(*n.borrow()));
        self.format(key, Some(&args))
    }

    /// A message with several text arguments.
    pub fn args(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(name.to_string(), FluentValue::from(value.to_string()));
        }
        self.format(key, Some(&args))
    }

    /// What the domain asked to say (a form's error, for one).
    pub fn msg(&self, msg: &Msg) -> String {
        if let Some(text) = &msg.literal {
            return text.clone();
        }
        if msg.args.is_empty() {
            return self.get(msg.key);
        }
        let mut args = FluentArgs::new();
        for (name, value) in &msg.args {
            match value {
                MsgArg::Text(s) => args.set(*name, FluentValue::from(s.clone())),
                MsgArg::Number(n) => args.set(*name, FluentValue::from(*n)),
            }
        }
        self.format(msg.key, Some(&args))
    }

    /// A date as the language writes it in full: "Monday, November 30, 2026",
    /// "lunes, 30 de noviembre de 2026".
    pub fn date(&self, date: NaiveDate) -> String {
        let weekday = self.get(&format!(
            "weekday-{}",
            date.weekday().num_days_from_monday() + 1
        ));
        let month = self.get(&format!("month-{}", date.month()));
        self.args(
            "date-long",
            &[
                ("weekday", &weekday),
                ("day", &date.day().to_string()),
                ("month", &month),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// A right's short title ("Delete your personal information").
    pub fn kind_title(&self, kind: RequestKind) -> String {
        self.get(&format!("kind-{}", kind.code()))
    }

    /// One sentence on what the right gives.
    pub fn kind_summary(&self, kind: RequestKind) -> String {
        self.get(&format!("kind-{}-summary", kind.code()))
    }

    /// A status as the consumer reads it for a request of this kind: an opt-in waits
    /// for the consumer's confirmation, not for their identity.
    pub fn status_label(&self, kind: Option<RequestKind>, status: RequestStatus) -> String {
        let special = format!("status-{}-{}", RequestKind::OptIn.code(), status.code());
        if kind == Some(RequestKind::OptIn) && has_message(&special) {
            return self.get(&special);
        }
        self.get(&format!("status-{}", status.code()))
    }

    /// A form field's error, in this language.
    pub fn field_error(&self, errors: &FieldErrors, name: &str) -> Option<String> {
        errors.get(name).map(|m| self.msg(m))
    }

    /// Every error of a form, in the order they were put in, in this language: the
    /// summary at the top of the form.
    pub fn field_errors(&self, errors: &FieldErrors) -> Vec<(&'static str, String)> {
        errors.iter().map(|(f, m)| (f, self.msg(m))).collect()
    }

    /// What a closed request's outcome code (or denial reason) says to the consumer.
    pub fn outcome(&self, code: &str) -> String {
        let key = format!("outcome-{code}");
        if has_message(&key) {
            self.get(&key)
        } else {
            self.get("outcome-closed")
        }
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundles = &*BUNDLES;
        let primary = match self.lang {
            Lang::En => &bundles.en,
            Lang::Es => &bundles.es,
        };
        [primary, &bundles.en]
            .into_iter()
            .find_map(|bundle| {
                let pattern = bundle.get_message(key)?.value()?;
                let mut errors = Vec::new();
                Some(
                    bundle
                        .format_pattern(pattern, args, &mut errors)
                        .into_owned(),
                )
            })
            .unwrap_or_else(|| {
                // Text written as it is (a staff form's English) is not an id.
                if !key.contains(' ') {
                    tracing::warn!(key, "no such message in locales/");
                }
                key.to_string()
            })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Message id → the variables its text uses (`{ $name }`, in selectors too).
    fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for (_, name, source) in FILES.iter().filter(|(l, _, _)| *l == lang) {
            let resource = fluent_syntax::parser::parse(*source)
                .unwrap_or_else(|(_, errors)| panic!("locales/{lang}/{name}: {errors:?}"));
            for entry in resource.body {
                if let ast::Entry::Message(m) = entry {
                    let mut vars = BTreeSet::new();
                    if let Some(value) = &m.value {
                        pattern_vars(value, &mut vars);
                    }
                    let id = m.id.name.to_string();
                    assert!(
                        out.insert(id.clone(), vars).is_none(),
                        "locales/{lang}: {id} is defined twice"
                    );
                }
            }
        }
        out
    }

    fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_vars(expression, vars);
            }
        }
    }

    fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_vars(selector, vars);
                for variant in variants {
                    pattern_vars(&variant.value, vars);
                }
            }
            ast::Expression::Inline(inline) => inline_vars(inline, vars),
        }
    }

    fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                vars.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for arg in &arguments.positional {
                    inline_vars(arg, vars);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_message_exists_in_every_language_with_the_same_placeholders() {
        let en = messages(Lang::En);
        let es = messages(Lang::Es);
        let missing_es: Vec<_> = en.keys().filter(|k| !es.contains_key(*k)).collect();
        let missing_en: Vec<_> = es.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(
            missing_es.is_empty(),
            "missing in locales/es: {missing_es:?}"
        );
        assert!(
            missing_en.is_empty(),
            "missing in locales/en: {missing_en:?}"
        );
        let differing: Vec<_> = en
            .iter()
            .filter(|(k, vars)| es.get(*k) != Some(vars))
            .map(|(k, vars)| format!("{k}: en {vars:?}, es {:?}", es[k]))
            .collect();
        assert!(differing.is_empty(), "placeholders differ: {differing:#?}");
    }

    #[test]
    fn the_message_files_load_without_errors() {
        for lang in Lang::ALL {
            let bundle = bundle(lang);
            for (id, _) in messages(lang) {
                let message = bundle.get_message(&id).expect("loaded");
                assert!(message.value().is_some(), "{lang}: {id} has no text");
            }
        }
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(Tr::new(Lang::En).date(day), "Monday, November 30, 2026");
        assert_eq!(
            Tr::new(Lang::Es).date(day),
            "lunes, 30 de noviembre de 2026"
        );
        let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(Tr::new(Lang::Es).date(first), "viernes, 1 de enero de 2027");
    }

    #[test]
    fn plurals_follow_each_language() {
        let en = Tr::new(Lang::En);
        let es = Tr::new(Lang::Es);
        assert_eq!(
            en.count("errors-fix", "count", 1),
            "Please fix this problem"
        );
        assert_eq!(
            en.count("errors-fix", "count", 2),
            "Please fix these 2 problems"
        );
        assert_eq!(es.count("errors-fix", "count", 1), "Corrija este problema");
        assert_eq!(
            es.count("errors-fix", "count", 3),
            "Corrija estos 3 problemas"
        );
    }

    #[test]
    fn a_message_missing_everywhere_shows_its_id() {
        assert_eq!(Tr::new(Lang::Es).get("no-such-message"), "no-such-message");
    }
}
