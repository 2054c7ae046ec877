//! The rules of the law as plain Rust: kinds, statuses, deadlines, what a valid
//! request looks like. No I/O, no clock: "now" is always passed in.

pub mod actions;
pub mod api;
pub mod calendar;
pub mod channels;
pub mod console;
pub mod deadlines;
pub mod drp;
pub mod email;
pub mod intake;
pub mod kinds;
pub mod lang;
pub mod lifecycle;
pub mod metrics;
pub mod package;
pub mod retention;
pub mod shine_the_light;
pub mod tasks;
pub mod token;
pub mod tracking;
