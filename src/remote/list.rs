//! Listing every training matching a query, page by page.
//!
//! The first page (`limit=100&offset=0`) tells the `total`; the remaining
//! pages are then fetched concurrently, bounded by the client's in-flight
//! limit and pacer. Servers that answer with a bare array (G2) or whose
//! pages disagree with the first one are followed with a sequential
//! `has_more` loop instead. Items are deduplicated by id, in server order.

use std::collections::BTreeSet;

use reqwest::Method;
use tokio::task::JoinSet;

use super::api::{self, ListResponse, paths};
use super::client::{Call, Client, Retry};
use super::error::{RemoteError, Scope};

/// Page size of every list request: the API maximum.
pub const PAGE_SIZE: u64 = 100;

/// Every training matching a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// In server order, each id once.
    pub items: Vec<api::Training>,
    /// The server's count of matches (the number of items for servers that
    /// send no count).
    pub total: u64,
}

/// Items gathered so far, each id once.
#[derive(Default)]
struct Collector {
    items: Vec<api::Training>,
    seen: BTreeSet<String>,
}

impl Collector {
    /// Adds the items not seen yet; how many were new.
    fn add(&mut self, items: Vec<api::Training>) -> usize {
        let before = self.items.len();
        for item in items {
            if self.seen.insert(item.id.clone()) {
                self.items.push(item);
            }
        }
        self.items.len() - before
    }
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

impl Client {
    /// Every training matching `query` (its `limit`/`offset` are ignored):
    /// the first page, then the rest concurrently once `total` is known.
    pub async fn list_all(&self, query: &api::ListQuery) -> Result<Listing, RemoteError> {
        let mut collector = Collector::default();
        let (items, first) = split(self.page(query, 0, PAGE_SIZE).await?);
        collector.add(items);
        let mut total = first.total;
        let mut next = first.len;
        let mut has_more = first.has_more && first.len > 0;
        if let (Some(count), true) = (first.total, has_more) {
            let offsets: Vec<u64> = (1..)
                .map(|i| i * first.len)
                .take_while(|offset| *offset < count)
                .collect();
            for (offset, response) in self.pages(query, offsets).await? {
                let (items, info) = split(response);
                collector.add(items);
                next = offset + info.len;
                has_more = info.has_more && info.len > 0;
                total = info.total.or(total);
            }
        }
        while has_more {
            let (items, info) = split(self.page(query, next, PAGE_SIZE).await?);
            // A server ignoring `offset` would otherwise loop forever.
            let added = collector.add(items);
            next += info.len;
            has_more = info.has_more && added > 0;
            total = info.total.or(total);
        }
        let count = collector.items.len() as u64;
        Ok(Listing {
            items: collector.items,
            total: total.unwrap_or(count),
        })
    }

    /// How many trainings match `query`: one request with `limit=1`.
    pub async fn count(&self, query: &api::ListQuery) -> Result<u64, RemoteError> {
        Ok(match self.page(query, 0, 1).await? {
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
        self.page(query, offset, limit).await
    }

    /// Fetches the pages at `offsets` concurrently; in offset order.
    async fn pages(
        &self,
        query: &api::ListQuery,
        offsets: Vec<u64>,
    ) -> Result<Vec<(u64, ListResponse)>, RemoteError> {
        let mut tasks = JoinSet::new();
        for offset in offsets {
            let client = self.clone();
            let query = query.clone();
            tasks.spawn(async move {
                let page = client.page(&query, offset, PAGE_SIZE).await;
                (offset, page)
            });
        }
        let mut pages = Vec::with_capacity(tasks.len());
        while let Some(joined) = tasks.join_next().await {
            let (offset, page) =
                joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            // Returning drops `tasks`, which aborts the pages still pending.
            pages.push((offset, page?));
        }
        pages.sort_by_key(|(offset, _)| *offset);
        Ok(pages)
    }

    async fn page(
        &self,
        query: &api::ListQuery,
        offset: u64,
        limit: u64,
    ) -> Result<ListResponse, RemoteError> {
        let query = api::ListQuery {
            limit: Some(limit),
            offset: Some(offset),
            ..query.clone()
        };
        let call = Call::new(Method::GET, paths::TRAININGS.to_owned(), Scope::Read).query(query);
        self.fetch(&call, Retry::Idempotent).await
    }
}
