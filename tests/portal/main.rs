//! The portal through HTTP, against a real PostgreSQL, and in a real browser.

mod agents;
mod bodies;
mod browser;
mod connections;
mod delivery;
mod downloads;
mod drp;
mod gpc;
mod hostile_input;
mod intake;
mod lifecycle;
mod metrics;
mod ops;
mod opt_in;
mod outages;
mod outbound;
mod spanish;
mod staff;
mod status;
mod support;
mod sweeps;
