//! Where notifications go.

pub mod slack;
