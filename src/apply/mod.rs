//! Apply: turn a reviewed plan into the fewest API calls ([`calls`]) and run
//! them ([`executor`]).

pub mod calls;
pub mod executor;
pub mod summary;
