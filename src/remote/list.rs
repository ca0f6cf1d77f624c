//! Listing every training matching a query, page by page, without trusting
//! the server's account of how many there are.
//!
//! The first page (`limit=100&offset=0`) gives the page size the server
//! really uses and its `total`. `total` is only a hint: one above
//! `max_trainings` is refused before paging, and otherwise it only decides
//! how far ahead pages are fetched concurrently (at most the client's
//! in-flight limit at a time, scheduled lazily as earlier ones finish). Past
//! the claimed total, and for servers answering a bare array (G2), pages
//! are followed one at a time while they say there are more.
//!
//! Pages are consumed in offset order and checked: a page that claims more
//! follow must be full, a non-empty page must bring ids not seen yet, and
//! the items may never outnumber the largest total claimed (or
//! `max_trainings`). Each of those ends the listing with an error naming the
//! contradiction, so every listing ends, and within a deadline derived from
//! its page count. Items are deduplicated by id, in server order.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use tokio::task::JoinSet;

use super::api::{self, ListResponse, paths};
use super::client::{Call, Client, Deadline, Retry};
use super::error::{RemoteError, Scope};

/// Page size of every list request: the API maximum.
pub const PAGE_SIZE: u64 = 100;

/// Every training matching a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// In server order, each id once.
    pub items: Vec<api::Training>,
    /// The server's latest count of matches (the number of items for
    /// servers that send no count).
    pub total: u64,
}

/// What one page says about the rest.
struct PageInfo {
    /// Items on the page (before dedup).
    len: u64,
    has_more: bool,
    total: Option<u64>,
}

fn split(response: ListResponse) -> (Vec<api::Training>, PageInfo) {
    match response {
        ListResponse::Page(page) => {
            let info = PageInfo {
                len: page.items.len() as u64,
                has_more: page.has_more,
                total: Some(page.total),
            };
            (page.items, info)
        }
        ListResponse::Bare(items) => {
            let len = items.len() as u64;
            // A bare array has no `has_more`; a full page may have a sequel.
            let info = PageInfo {
                len,
                has_more: len >= PAGE_SIZE,
                total: None,
            };
            (items, info)
        }
    }
}

/// A listing in progress: pages are handed in as they arrive, in any
/// order, and consumed in offset order.
struct Pager {
    max_trainings: u64,
    /// The server's page size, from the first page.
    stride: u64,
    /// The largest total any page claimed, and the latest one.
    claimed_max: Option<u64>,
    claimed_last: Option<u64>,
    items: Vec<api::Training>,
    seen: BTreeSet<String>,
    /// The offset of the next page to consume.
    cursor: u64,
    /// Pages that arrived before an earlier one.
    early: BTreeMap<u64, (Vec<api::Training>, PageInfo)>,
    /// A consumed page said it was the last.
    ended: bool,
}

impl Pager {
    fn new(max_trainings: u64) -> Pager {
        Pager {
            max_trainings,
            stride: PAGE_SIZE,
            claimed_max: None,
            claimed_last: None,
            items: Vec::new(),
            seen: BTreeSet::new(),
            cursor: 0,
            early: BTreeMap::new(),
            ended: false,
        }
    }

    /// Takes the page at `offset`, then every page now in order.
    fn accept(
        &mut self,
        offset: u64,
        items: Vec<api::Training>,
        info: PageInfo,
    ) -> Result<(), Problem> {
        if offset == 0 && info.has_more && info.len > 0 {
            self.stride = info.len;
        }
        self.early.insert(offset, (items, info));
        while !self.ended {
            let Some((items, info)) = self.early.remove(&self.cursor) else {
                break;
            };
            self.consume(items, &info)?;
        }
        Ok(())
    }

    fn consume(&mut self, items: Vec<api::Training>, info: &PageInfo) -> Result<(), Problem> {
        let offset = self.cursor;
        if let Some(total) = info.total {
            if total > self.max_trainings {
                return Err(Problem::TooMany(total));
            }
            self.claimed_max = Some(self.claimed_max.map_or(total, |m| m.max(total)));
            self.claimed_last = Some(total);
        }
        if info.has_more && info.len < self.stride {
            return Err(Problem::Inconsistent(format!(
                "the page at offset {offset} has {} items, fewer than the page size of {}, yet \
                 says more follow",
                info.len, self.stride
            )));
        }
        let before = self.items.len();
        for item in items {
            if self.seen.insert(item.id.clone()) {
                self.items.push(item);
            }
        }
        let count = self.items.len() as u64;
        if info.len > 0 && count == before as u64 && offset > 0 {
            return Err(Problem::Inconsistent(format!(
                "the page at offset {offset} repeats only trainings already listed"
            )));
        }
        if count > self.max_trainings {
            return Err(Problem::TooMany(count));
        }
        if let Some(claimed) = self.claimed_max.filter(|c| count > *c) {
            return Err(Problem::Inconsistent(format!(
                "it listed {count} trainings but claims there are {claimed}"
            )));
        }
        self.cursor = offset + self.stride;
        self.ended = !info.has_more;
        Ok(())
    }

    /// Whether to request the page at `offset` now, with `in_flight` pages
    /// requested and not yet handed in. Below the claimed total pages go
    /// concurrently; past it (or without one) only one at a time, and only
    /// once every earlier page said more follow.
    fn wants(&self, offset: u64, in_flight: usize) -> bool {
        if self.ended {
            return false;
        }
        match self.claimed_max {
            Some(total) if offset < total => true,
            _ => in_flight == 0,
        }
    }

    /// Pages still to fetch if the claimed total is right.
    fn expected_pages(&self) -> u64 {
        let total = self.claimed_max.unwrap_or(self.max_trainings);
        total.saturating_sub(self.cursor).div_ceil(self.stride) + 1
    }

    fn finish(self) -> Listing {
        let count = self.items.len() as u64;
        Listing {
            items: self.items,
            total: self.claimed_last.unwrap_or(count),
        }
    }
}

/// Why a listing cannot be trusted.
enum Problem {
    TooMany(u64),
    Inconsistent(String),
}

impl Client {
    /// Every training matching `query` (its `limit`/`offset` are ignored):
    /// the first page, then the rest lazily, several at once while below
    /// the claimed total.
    pub async fn list_all(&self, query: &api::ListQuery) -> Result<Listing, RemoteError> {
        let first = page_call(query, 0, PAGE_SIZE);
        let endpoint = first.endpoint();
        let problem = |p: Problem| match p {
            Problem::TooMany(claimed) => RemoteError::TooManyTrainings {
                endpoint: endpoint.clone(),
                claimed,
                limit: self.max_trainings(),
            },
            Problem::Inconsistent(reason) => RemoteError::InconsistentListing {
                endpoint: endpoint.clone(),
                reason,
            },
        };
        let mut pager = Pager::new(self.max_trainings());
        let (items, info) = split(self.fetch(&first, Retry::Idempotent).await?);
        pager.accept(0, items, info).map_err(problem)?;
        if pager.ended {
            return Ok(pager.finish());
        }
        let deadline = Deadline::after(self.budget_for(pager.expected_pages()));
        let mut tasks = JoinSet::new();
        let mut next = pager.cursor;
        loop {
            while tasks.len() < self.page_concurrency() && pager.wants(next, tasks.len()) {
                let client = self.clone();
                let call = page_call(query, next, PAGE_SIZE).until(deadline);
                let offset = next;
                tasks.spawn(async move {
                    let page = client.fetch(&call, Retry::Idempotent).await;
                    (offset, page)
                });
                next += pager.stride;
            }
            let (offset, page) = tasks
                .join_next()
                .await
                .expect("`wants` allows a page whenever none is in flight")
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            // Returning drops `tasks`, which aborts the pages still pending.
            let (items, info) = split(page?);
            pager.accept(offset, items, info).map_err(problem)?;
            if pager.ended {
                break;
            }
        }
        Ok(pager.finish())
    }

    /// How many trainings match `query`: one request with `limit=1`. The
    /// number is only reported, never used to size anything.
    pub async fn count(&self, query: &api::ListQuery) -> Result<u64, RemoteError> {
        let call = page_call(query, 0, 1);
        Ok(match self.fetch(&call, Retry::Idempotent).await? {
            ListResponse::Page(page) => page.total,
            ListResponse::Bare(items) => items.len() as u64,
        })
    }

    /// One page of `query`: `limit` trainings from `offset`, as the server
    /// answers it (for checking how a server pages).
    pub async fn list_page(
        &self,
        query: &api::ListQuery,
        offset: u64,
        limit: u64,
    ) -> Result<ListResponse, RemoteError> {
        self.fetch(&page_call(query, offset, limit), Retry::Idempotent)
            .await
    }
}

fn page_call(query: &api::ListQuery, offset: u64, limit: u64) -> Call {
    let query = api::ListQuery {
        limit: Some(limit),
        offset: Some(offset),
        ..query.clone()
    };
    Call::new(Method::GET, paths::TRAININGS.to_owned(), Scope::Read).query(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(range: std::ops::Range<u32>) -> Vec<api::Training> {
        let t = crate::model::Training::scenario("k", "A title", "Some content");
        range
            .map(|i| api::Training::holding(&format!("t{i:05}"), &t))
            .collect()
    }

    fn page(
        range: std::ops::Range<u32>,
        total: u64,
        has_more: bool,
    ) -> (Vec<api::Training>, PageInfo) {
        let items = items(range);
        let info = PageInfo {
            len: items.len() as u64,
            has_more,
            total: Some(total),
        };
        (items, info)
    }

    fn feed(
        pager: &mut Pager,
        offset: u64,
        (items, info): (Vec<api::Training>, PageInfo),
    ) -> Result<(), String> {
        pager.accept(offset, items, info).map_err(|p| match p {
            Problem::TooMany(n) => format!("too many: {n}"),
            Problem::Inconsistent(reason) => reason,
        })
    }

    #[test]
    fn pages_arriving_out_of_order_are_consumed_in_order() {
        let mut p = Pager::new(1000);
        feed(&mut p, 0, page(0..100, 250, true)).unwrap();
        assert!(p.wants(100, 0) && p.wants(200, 1) && !p.wants(300, 2));
        feed(&mut p, 200, page(200..250, 250, false)).unwrap();
        assert!(!p.ended, "offset 100 is still missing");
        feed(&mut p, 100, page(100..200, 250, true)).unwrap();
        assert!(p.ended);
        let listing = p.finish();
        assert_eq!(listing.total, 250);
        assert_eq!(listing.items.len(), 250);
        assert_eq!(listing.items[249].id, "t00249");
    }

    #[test]
    fn a_huge_claimed_total_is_refused_on_the_first_page() {
        let mut p = Pager::new(100_000);
        assert_eq!(
            feed(&mut p, 0, page(0..100, 1_000_000_000, true)),
            Err("too many: 1000000000".into())
        );
    }

    #[test]
    fn self_contradictions_end_the_listing() {
        let short = |n: u32| {
            format!(
                "the page at offset 100 has {n} items, fewer than the page size of 100, yet \
                 says more follow"
            )
        };
        let cases = [
            (150, 100..160, short(60)),
            (150, 100..100, short(0)),
            (
                300,
                0..100,
                "the page at offset 100 repeats only trainings already listed".into(),
            ),
            (
                150,
                100..200,
                "it listed 200 trainings but claims there are 150".into(),
            ),
        ];
        for (total, second, error) in cases {
            let mut p = Pager::new(1000);
            feed(&mut p, 0, page(0..100, total, true)).unwrap();
            assert_eq!(feed(&mut p, 100, page(second, total, true)), Err(error));
        }
    }

    #[test]
    fn past_the_claimed_total_pages_go_one_at_a_time_up_to_the_cap() {
        let mut p = Pager::new(250);
        let bare = |range: std::ops::Range<u32>| {
            let items = items(range);
            let info = PageInfo {
                len: items.len() as u64,
                has_more: true,
                total: None,
            };
            (items, info)
        };
        feed(&mut p, 0, bare(0..100)).unwrap();
        assert!(p.wants(100, 0) && !p.wants(100, 1));
        feed(&mut p, 100, bare(100..200)).unwrap();
        assert_eq!(
            feed(&mut p, 200, bare(200..300)),
            Err("too many: 300".into())
        );
    }
}
