//! Rightsdesk: receive, track and answer California consumer-rights requests.

pub mod auth;
pub mod backup;
pub mod clock;
pub mod config;
pub mod domain;
pub mod embedded_pg;
pub mod locale;
pub mod logging;
pub mod mail;
pub mod outbound;
pub mod recipient_commands;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod token_cli;
pub mod wake;
pub mod web;
pub mod worker;
