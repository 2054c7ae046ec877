//! The portal through HTTP, against a real PostgreSQL, and in a real browser.

mod agents;
mod axe;
mod bodies;
mod browser;
mod connections;
mod console;
mod delivery;
mod downloads;
mod drp;
mod feeds;
mod gpc;
mod hostile_input;
mod intake;
mod lifecycle;
mod metrics;
mod ops;
mod opt_in;
mod outages;
mod outbound;
mod records;
mod shine_the_light;
mod staff;
mod status;
mod support;
mod sweeps;
mod tasks;
