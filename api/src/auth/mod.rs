//! Authentication and authorisation: password hashing, signed access tokens, and the
//! [`Caller`] extractor that every protected handler takes.

pub mod caller;
pub mod keys;
pub mod password;
pub mod signing;
pub mod throttle;
pub mod token;

pub use caller::{Caller, MaybePrincipal, Principal};
